using Multiprocessing.Pools;

namespace Multiprocessing.Clustering;

/// <summary>
/// One task of a <see cref="ClusterPool"/> in its queue and then in a lane: the encoded task, its function, the
/// caller's token, and where it is in its life, which moves forward once each way (so it is counted and completed
/// exactly once): queued, then running (a lane took it) or ended (cancelled or dropped while queued), then ended.
/// </summary>
internal sealed class ClusterTask(ProcessTask task, PoolFunction function, CancellationToken token)
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Ended = 2;

    private int state;

    public ProcessTask Task { get; } = task;

    public PoolFunction Function { get; } = function;

    public CancellationToken Token { get; } = token;

    /// <summary>A lane takes the task; false if it ended while queued.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref state, Running, Queued) == Queued;

    /// <summary>The task ends while still queued (cancelled, or dropped by a terminate); false if a lane took it.</summary>
    public bool TryDrop() => Interlocked.CompareExchange(ref state, Ended, Queued) == Queued;
}
