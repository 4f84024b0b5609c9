namespace Multiprocessing;

/// <summary>What crosses the wire for an exception: type name, message, stack trace, inner exception. Encoded field by field.</summary>
internal sealed class RemoteExceptionInfo
{
    public string TypeName { get; init; } = string.Empty;

    public string Message { get; init; } = string.Empty;

    public string? StackTrace { get; init; }

    public RemoteExceptionInfo? Inner { get; init; }

    public static RemoteExceptionInfo From(Exception e, int depth = 0) => new()
    {
        TypeName = e.GetType().FullName ?? e.GetType().Name,
        Message = e.Message,
        StackTrace = TrimInvoker(e.StackTrace),
        Inner = e.InnerException is { } inner && depth < 8 ? From(inner, depth + 1) : null,
    };

    /// <summary>Cuts the frames of our own reflection call into the target off the bottom of a stack trace.</summary>
    private static string? TrimInvoker(string? trace)
    {
        if (trace is null)
        {
            return null;
        }

        foreach (string marker in (ReadOnlySpan<string>)["   at System.Reflection.MethodBaseInvoker.", "   at System.RuntimeMethodHandle.InvokeMethod", "   at Multiprocessing.Processes.WorkerHost."])
        {
            int cut = trace.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                trace = trace[..cut].TrimEnd();
            }
        }

        return trace;
    }
}
