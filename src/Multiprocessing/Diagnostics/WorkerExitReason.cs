namespace Multiprocessing.Diagnostics;

/// <summary>The values of <c>multiprocessing.worker.exit.reason</c> on <c>multiprocessing.pool.worker.exits</c>.</summary>
internal static class WorkerExitReason
{
    /// <summary>It ran <see cref="PoolOptions.MaxTasksPerWorker"/> tasks, or went past its memory limit, and was replaced.</summary>
    public const string Recycled = "recycled";

    /// <summary>A task it ran went past its timeout: the pool killed (a process) or gave up (a thread) the worker.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The caller cancelled the task it ran and the worker was killed at the end of the grace period.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A process killed by a signal the pool did not send (the signal is in <c>multiprocessing.worker.exit.signal</c>).</summary>
    public const string Signal = "signal";

    /// <summary>A process that exited by itself, with an exit code other than 0, or a thread whose initializer threw.</summary>
    public const string Crashed = "crashed";

    /// <summary>The pool was terminated (or broke) and stopped the worker.</summary>
    public const string Terminated = "terminated";

    /// <summary>The pool was closed and the worker stopped once the work was done.</summary>
    public const string Stopped = "stopped";

    /// <summary>A process that exited with code 0 while the pool still needed it (its code called <c>Environment.Exit(0)</c>).</summary>
    public const string Exited = "exited";

    /// <summary>The reason a process worker is gone, from what the pool knows of it.</summary>
    /// <param name="poolState">Where the pool is in its life.</param>
    /// <param name="timedOut">The task it ran went past its timeout (the pool killed it for that).</param>
    /// <param name="cancelled">The task it ran was cancelled (the pool may have killed it for that).</param>
    /// <param name="retiring">The pool had asked it to leave (task limit, memory limit) or the worker said it would (a close does not set it: it closes the worker's pipe).</param>
    /// <param name="exitCode">Its exit code: negative for the signal that killed it.</param>
    public static string ForProcess(Pools.PoolState poolState, bool timedOut, bool cancelled, bool retiring, int exitCode) =>
        poolState >= Pools.PoolState.Terminated ? Terminated
        : timedOut ? TimedOut
        : cancelled ? Cancelled
        : retiring ? Recycled
        : exitCode < 0 ? Signal
        : exitCode > 0 ? Crashed
        : poolState == Pools.PoolState.Closed ? Stopped
        : Exited;
}
