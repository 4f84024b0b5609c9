namespace Multiprocessing;

/// <summary>
/// A <see cref="SharedBarrier"/> is broken (Python's <c>BrokenBarrierError</c>): it was aborted or reset while
/// parties waited, a wait timed out, the action threw, or a waiting party's process died.
/// </summary>
public sealed class BrokenBarrierException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public BrokenBarrierException()
        : this("The barrier is broken.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public BrokenBarrierException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public BrokenBarrierException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
