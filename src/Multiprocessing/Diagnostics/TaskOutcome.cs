namespace Multiprocessing.Diagnostics;

/// <summary>How a pool task ended: the value of <c>multiprocessing.task.outcome</c> on <c>multiprocessing.pool.task.duration</c>.</summary>
internal enum TaskOutcome
{
    /// <summary>It ended with a result (<c>completed</c>).</summary>
    Completed,

    /// <summary>Its delegate threw, its worker died, or the pool ended it (terminate, broken pool) (<c>failed</c>, with <c>error.type</c>).</summary>
    Failed,

    /// <summary>Its caller cancelled it while it ran (<c>cancelled</c>).</summary>
    Cancelled,

    /// <summary>It ran past <see cref="PoolOptions.TaskTimeout"/> (<c>timed_out</c>).</summary>
    TimedOut,
}
