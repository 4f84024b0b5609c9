namespace Multiprocessing;

/// <summary>What submitting to a pool does when its queue already holds <see cref="PoolOptions.MaxQueuedTasks"/> tasks.</summary>
public enum QueueFullBehavior
{
    /// <summary>The submitting call waits until a queued task starts (the seed's <c>queue.Queue(max).put</c>). The default.</summary>
    Wait,

    /// <summary>The submitting call throws a <see cref="QueueFullException"/> at once (Python's <c>put_nowait</c>).</summary>
    Throw,
}
