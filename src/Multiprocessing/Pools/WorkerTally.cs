using System.Runtime.InteropServices;

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

    /// <summary>A task this worker ran ended with a result.</summary>
    public void Succeeded() => Volatile.Write(ref counts.Succeeded, counts.Succeeded + 1);

    /// <summary>A task this worker ran ended with an exception (or was cancelled by its own token).</summary>
    public void Failed() => Volatile.Write(ref counts.Failed, counts.Failed + 1);

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
    }
}
