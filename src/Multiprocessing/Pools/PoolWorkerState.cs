namespace Multiprocessing;

/// <summary>What one worker of a pool is doing, in a <see cref="PoolWorkerInfo"/>.</summary>
public enum PoolWorkerState
{
    /// <summary>Started, not ready yet (a worker process starting, or running the pool's initializer).</summary>
    Starting = 0,

    /// <summary>Waiting for a task.</summary>
    Idle = 1,

    /// <summary>Running a task.</summary>
    Busy = 2,

    /// <summary>Takes no more tasks: it reached its task or memory limit, or a task was cancelled in it; it ends once its current task does.</summary>
    Retiring = 3,
}
