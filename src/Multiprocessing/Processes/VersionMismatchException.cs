namespace Multiprocessing;

/// <summary>
/// A child process could not load the same build of an assembly as its parent (the files changed on disk, or the
/// child resolved another version), so it refused to run code that might not be what the parent meant.
/// </summary>
public sealed class VersionMismatchException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public VersionMismatchException()
        : this("The child process does not run the same build as its parent.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public VersionMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public VersionMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
