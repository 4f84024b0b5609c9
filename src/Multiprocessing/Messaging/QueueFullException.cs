namespace Multiprocessing;

/// <summary>
/// A bounded queue had no room and the caller asked not to wait (Python's <c>queue.Full</c>): a pool whose
/// <see cref="PoolOptions.WhenQueueFull"/> is <see cref="QueueFullBehavior.Throw"/> already holds
/// <see cref="PoolOptions.MaxQueuedTasks"/> tasks that have not started.
/// </summary>
public sealed class QueueFullException : InvalidOperationException
{
    /// <summary>Creates an exception with a default message.</summary>
    public QueueFullException()
        : this("The queue is full.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public QueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public QueueFullException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
