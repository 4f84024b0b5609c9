using System.Runtime.InteropServices;
using Multiprocessing.Diagnostics;

namespace Multiprocessing.Pools;

/// <summary>
/// What one worker has done, kept by the worker itself on a cache line of its own (so that counting costs no
/// contention), and summed by <see cref="WorkerPool.Counters"/>. Get one from <c>WorkerPool.AddWorker</c>, give
/// it back with <c>WorkerPool.RetireWorker</c>, and do not touch it afterwards.
/// </summary>
/// <remarks>
/// Written by one thread at a time (the worker's own loop), so counting takes no locked instruction; read by any.
/// Count a task here only when this worker ends it: <see cref="Started"/> when it starts running (which also
/// frees its place in a bounded queue), then exactly one of <see cref="Succeeded"/> or <see cref="Failed"/>
/// before its task is completed (so that a caller who has awaited the task sees it counted). A task ended by
/// someone else (timeout, terminate) is counted with <c>WorkerPool.CountStoppedByPool</c> instead.
/// </remarks>
internal sealed class WorkerTally
{
    private readonly WorkerPool pool;
    private Counts counts;

    public WorkerTally(WorkerPool pool) => this.pool = pool;

    /// <summary>The worker's name, for the task records of a pool that records through its tallies (a thread pool); null otherwise.</summary>
    public string? Name { get; set; }

    public long StartedCount => Volatile.Read(ref counts.Started);

    public long SucceededCount => Volatile.Read(ref counts.Succeeded);

    public long FailedCount => Volatile.Read(ref counts.Failed);

    /// <summary>Whether the worker is waiting for a task; set by the worker.</summary>
    public bool IsIdle
    {
        get => Volatile.Read(ref counts.Idle) != 0;
        set => Volatile.Write(ref counts.Idle, value ? 1 : 0);
    }

    /// <summary>A task left the queue and started on this worker.</summary>
    public void Started()
    {
        Volatile.Write(ref counts.Started, counts.Started + 1);
        pool.ReleaseQueueSlot();
    }

    /// <summary>Whether the worker is ready for tasks (its initializer has run); set by the pool. Before, it counts as starting.</summary>
    public bool IsReady
    {
        get => Volatile.Read(ref counts.Ready) != 0;
        set => Volatile.Write(ref counts.Ready, value ? 1 : 0);
    }

    /// <summary>A task this worker ran ended with a result.</summary>
    /// <param name="startedAt">When it started (<see cref="PoolMetrics.TaskStarting"/>), for its duration.</param>
    public void Succeeded(long startedAt)
    {
        Volatile.Write(ref counts.Succeeded, counts.Succeeded + 1);
        pool.Metrics.TaskEnded(startedAt, TaskOutcome.Completed);
        if (pool.RecordsTasksByTally)
        {
            pool.RecordTaskByTally(Name, startedAt, TaskOutcome.Completed, null);
        }
    }

    /// <summary>A task this worker ran ended with an exception (or was cancelled by its own token).</summary>
    /// <param name="startedAt">When it started (<see cref="PoolMetrics.TaskStarting"/>), for its duration.</param>
    /// <param name="outcome">Failed or cancelled.</param>
    /// <param name="error">What it failed with; null when cancelled.</param>
    public void Failed(long startedAt, TaskOutcome outcome, Exception? error)
    {
        Volatile.Write(ref counts.Failed, counts.Failed + 1);
        pool.Metrics.TaskEnded(startedAt, outcome, error);
        if (pool.RecordsTasksByTally)
        {
            pool.RecordTaskByTally(Name, startedAt, outcome, error);
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Counts
    {
        [FieldOffset(64)]
        public long Started;

        [FieldOffset(72)]
        public long Succeeded;

        [FieldOffset(80)]
        public long Failed;

        [FieldOffset(88)]
        public int Idle;

        [FieldOffset(92)]
        public int Ready;
    }
}
