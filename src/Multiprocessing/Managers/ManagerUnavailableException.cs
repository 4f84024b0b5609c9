namespace Multiprocessing;

/// <summary>
/// A manager cannot be reached: its process has ended (or was killed), or the connection to it broke. Thrown by
/// proxy calls and by <see cref="Manager"/>'s own calls, at once rather than after a timeout; the inner exception is
/// the socket's own error. A proxy whose connection broke stays broken.
/// </summary>
public sealed class ManagerUnavailableException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public ManagerUnavailableException()
        : this("The manager cannot be reached.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public ManagerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ManagerUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
