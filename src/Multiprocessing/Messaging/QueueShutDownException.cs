namespace Multiprocessing;

/// <summary>
/// The queue was shut down (Python 3.13's <c>queue.ShutDown</c>): a put after <see cref="SharedQueue{T}.Shutdown"/>,
/// or a get once the queue is empty (at once after an immediate shutdown), in any process.
/// </summary>
public sealed class QueueShutDownException : InvalidOperationException
{
    /// <summary>Creates an exception with a default message.</summary>
    public QueueShutDownException()
        : this("The queue was shut down.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public QueueShutDownException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public QueueShutDownException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
