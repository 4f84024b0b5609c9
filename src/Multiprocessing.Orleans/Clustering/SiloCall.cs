namespace Multiprocessing.Clustering;

/// <summary>
/// One call a silo holds for a <see cref="ClusterPool"/>, queued or running on <see cref="SiloWorkers"/>: the task,
/// where its result goes, whom to keep informed, and whether the pool still waits for it.
/// </summary>
internal sealed class SiloCall(byte[] function, byte[] frame, IPoolLaneObserver pool, long callId, long keepAliveTicks, CancellationToken orleansToken)
    : TaskCompletionSource<PoolReply>(TaskCreationOptions.RunContinuationsAsynchronously), IDisposable
{
    private readonly CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(orleansToken);

    public byte[] Function { get; } = function;

    public byte[] Frame { get; } = frame;

    /// <summary>The pool that sent the call, told by <see cref="IPoolLaneObserver.Alive"/> that the call is held.</summary>
    public IPoolLaneObserver Pool { get; } = pool;

    public long CallId { get; } = callId;

    /// <summary>How often the pool wants to hear of the call, in stopwatch ticks.</summary>
    public long KeepAliveTicks { get; } = keepAliveTicks;

    /// <summary>When the pool last heard of it (stopwatch timestamp); only the keep-alive timer touches it.</summary>
    public long LastSent { get; set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Cancelled once the pool no longer waits for the call: a queued call is then dropped, and a running delegate that takes a token sees it cancelled.</summary>
    public CancellationToken Token => stop.Token;

    /// <summary>The pool no longer waits for the call.</summary>
    public void Stop()
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It has ended meanwhile.
        }
    }

    /// <inheritdoc/>
    public void Dispose() => stop.Dispose();
}
