using Orleans.Concurrency;

namespace Multiprocessing.Clustering;

/// <summary>
/// Takes a <see cref="ClusterPool"/>'s tasks on a silo: a stateless worker, so a call from a client is served by the
/// silo it arrived at; reentrant, since it only hands the task to <see cref="SiloWorkers"/> (the silo's task
/// threads) and awaits its result, while the silo keeps the pool informed that it holds the call.
/// </summary>
[StatelessWorker]
[Reentrant]
internal sealed class PoolWorkerGrain : Grain, IPoolWorkerGrain
{
    /// <inheritdoc/>
    /// <remarks>A call cancelled while queued does not run; a running one runs to its end (a delegate that takes a <see cref="CancellationToken"/> sees it cancelled), and its result is dropped.</remarks>
    public Task<PoolReply> Run(byte[] function, byte[] frame, IPoolLaneObserver pool, long callId, int keepAliveMs, CancellationToken cancellationToken)
    {
        SiloWorkers.SiloName = RuntimeIdentity;
        return SiloWorkers.Run(new SiloCall(function, frame, pool, callId, keepAliveMs * System.Diagnostics.Stopwatch.Frequency / 1000, cancellationToken));
    }
}
