namespace Multiprocessing.Pools;

/// <summary>Where a pool is in its life. It only moves forward: Open, then Closed, then Terminated or Broken.</summary>
internal enum PoolState
{
    /// <summary>Accepts tasks.</summary>
    Open = 0,

    /// <summary><see cref="WorkerPool.Close"/> was called: no new tasks; queued and running ones finish.</summary>
    Closed = 1,

    /// <summary><see cref="WorkerPool.Terminate"/> was called: queued and running tasks failed with <see cref="PoolTerminatedException"/>.</summary>
    Terminated = 2,

    /// <summary>A worker could not be made ready: queued and running tasks failed with <see cref="BrokenPoolException"/>.</summary>
    Broken = 3,
}
