using Orleans.Messaging;

namespace Multiprocessing.Clustering;

/// <summary>
/// The gateways of a local cluster for its clients: those of its silos still running, read again every
/// <see cref="ClusterTimeouts.GatewayListRefreshPeriod"/>, so that a client stops trying a killed silo and starts
/// sending to a silo added while it runs (<see cref="ClusterPool.AddLocalSilo"/>; <see cref="WatchedGateways"/> tells the pool).
/// </summary>
internal sealed class LocalGateways(LocalCluster cluster) : IGatewayListProvider
{
    /// <inheritdoc/>
    public TimeSpan MaxStaleness => ClusterTimeouts.GatewayListRefreshPeriod;

    /// <inheritdoc/>
    public bool IsUpdatable => true;

    /// <inheritdoc/>
    public Task InitializeGatewayListProvider() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task<IList<Uri>> GetGateways() =>
        Task.FromResult<IList<Uri>>([.. cluster.LiveGatewayPorts.Select(port => new Uri($"gwy.tcp://127.0.0.1:{port}/0"))]);
}
