using System.Text;

namespace Multiprocessing;

/// <summary>
/// An exception that was thrown in another process (a child, a pool worker, a manager) and has reached this one:
/// it carries the remote exception's type name, message and stack trace, and its inner exceptions as
/// <see cref="RemoteException"/>s of their own.
/// </summary>
/// <remarks>
/// The remote exception object itself does not cross: the wire never names a .NET type to instantiate. Use
/// <see cref="RemoteType"/> to tell kinds of failure apart.
/// </remarks>
public sealed class RemoteException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public RemoteException()
        : this("An exception was thrown in another process.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public RemoteException(string message)
        : base(message)
    {
        RemoteType = typeof(Exception).FullName!;
        RemoteMessage = message;
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public RemoteException(string message, Exception? innerException)
        : base(message, innerException)
    {
        RemoteType = typeof(Exception).FullName!;
        RemoteMessage = message;
    }

    internal RemoteException(RemoteExceptionInfo info, string processName, int processId)
        : base($"{info.TypeName}: {info.Message} (in {processName}, pid {processId})", info.Inner is null ? null : new RemoteException(info.Inner, processName, processId))
    {
        RemoteType = info.TypeName;
        RemoteMessage = info.Message;
        RemoteStackTrace = info.StackTrace;
        ProcessName = processName;
        ProcessId = processId;
    }

    /// <summary>Full name of the remote exception's type, such as <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>The remote exception's own message.</summary>
    public string RemoteMessage { get; }

    /// <summary>The stack trace in the remote process, or null if it had none.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>Name of the process the exception was thrown in, such as <c>ChildProcess-1</c>.</summary>
    public string? ProcessName { get; }

    /// <summary>Id of the process the exception was thrown in.</summary>
    public int? ProcessId { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(GetType().FullName).Append(": ").Append(Message);
        if (InnerException is not null)
        {
            sb.Append(" ---> ").Append(InnerException).AppendLine().Append("   --- End of inner exception stack trace ---");
        }

        if (!string.IsNullOrEmpty(RemoteStackTrace))
        {
            sb.AppendLine().Append("   --- Remote stack trace (").Append(ProcessName).Append(", pid ").Append(ProcessId).AppendLine(") ---");
            sb.Append(RemoteStackTrace);
        }

        if (StackTrace is { } local)
        {
            sb.AppendLine().AppendLine("   --- Local stack trace ---").Append(local);
        }

        return sb.ToString();
    }
}
