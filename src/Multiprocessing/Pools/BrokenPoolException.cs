namespace Multiprocessing;

/// <summary>
/// A pool cannot run tasks any more (Python's <c>BrokenThreadPool</c> / <c>BrokenProcessPool</c>): a worker
/// could not be made ready, for example because <see cref="PoolOptions.Initializer"/> threw. The cause is the
/// <see cref="Exception.InnerException"/>.
/// </summary>
/// <remarks>
/// Once broken, a pool fails its queued and running tasks with this exception and every later submission
/// throws it. Fix the cause and create a new pool.
/// </remarks>
public sealed class BrokenPoolException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public BrokenPoolException()
        : this("The pool is broken: a worker could not be made ready.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public BrokenPoolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The exception that broke the pool.</param>
    public BrokenPoolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
