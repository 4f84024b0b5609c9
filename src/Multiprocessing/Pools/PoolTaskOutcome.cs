namespace Multiprocessing;

/// <summary>How a task ended, in a <see cref="PoolTaskRecord"/>.</summary>
public enum PoolTaskOutcome
{
    /// <summary>It returned a result.</summary>
    Succeeded = 0,

    /// <summary>Its delegate threw.</summary>
    Failed = 1,

    /// <summary>It ran past <see cref="PoolOptions.TaskTimeout"/>.</summary>
    TimedOut = 2,

    /// <summary>Its caller cancelled it while it ran.</summary>
    Cancelled = 3,

    /// <summary>Its worker process died (was killed, crashed) while it ran.</summary>
    WorkerDied = 4,

    /// <summary>The pool was terminated, or broke, while it ran.</summary>
    Stopped = 5,
}
