namespace Multiprocessing;

/// <summary>
/// A pool task did not finish because <see cref="WorkerPool.Terminate"/> was called: it was still queued, or it
/// was running and its caller stopped waiting for it.
/// </summary>
/// <remarks>
/// A <see cref="ThreadWorkerPool"/> cannot stop a thread: a task that was running when the pool was terminated
/// goes on until its delegate returns, and its result is thrown away. A process pool kills the worker.
/// </remarks>
public sealed class PoolTerminatedException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public PoolTerminatedException()
        : this("The pool was terminated before this task finished.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public PoolTerminatedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public PoolTerminatedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
