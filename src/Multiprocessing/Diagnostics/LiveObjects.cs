using Multiprocessing.Diagnostics;

namespace Multiprocessing;

/// <summary>
/// The pools and shared queues this process has open, and counters of shared objects, for dashboards and diagnostics
/// (Multiprocessing.Dashboard reads them).
/// </summary>
/// <remarks>
/// Weak: being listed here keeps nothing alive. A pool is listed from its creation until its workers have stopped
/// (after <see cref="WorkerPool.Close"/> or <see cref="WorkerPool.Terminate"/> and their end); a queue from its
/// creation or opening in this process until its <c>Dispose</c>. Each call returns a new list, a snapshot.
/// </remarks>
public static class LiveObjects
{
    /// <summary>The pools of this process whose workers have not all stopped, in their order of creation.</summary>
    /// <returns>A snapshot.</returns>
    public static IReadOnlyList<WorkerPool> Pools() => PoolRegistry.Pools.Alive();

    /// <summary>The shared queues open in this process, in their order of creation or opening.</summary>
    /// <returns>A snapshot: the name, items, ring bytes and overflow of each.</returns>
    public static IReadOnlyList<SharedQueueInfo> Queues() => QueueRegistry.Snapshot();

    /// <summary>Shared memory segments mapped in this process now (queues, shared values and arrays, locks and the like, each holds one).</summary>
    public static long SegmentsOpen => SharedCounters.SegmentsOpen;

    /// <summary>Cross-process locks this process took over from a holder that had died (Python's lock would stay held for ever), since it started.</summary>
    public static long LocksTakenOver => SharedCounters.LocksTakenOver;
}
