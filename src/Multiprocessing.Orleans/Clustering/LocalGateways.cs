using Orleans.Messaging;

namespace Multiprocessing.Clustering;

/// <summary>
/// The gateways of a local cluster for its clients: those of its silos still running, read again every
/// <see cref="ClusterTimeouts.GatewayListRefreshPeriod"/>, so that a client stops trying a killed silo and starts
/// sending to a silo added while it runs (<see cref="ClusterPool.AddLocalSilo"/>).
/// </summary>
internal sealed class LocalGateways(LocalCluster cluster) : IGatewayListProvider
{
    private int[] served = [];
    private bool changed;

    /// <summary>
    /// Raised once the client has taken a changed list: on the read after the one that changed it (Orleans installs
    /// a list right after it reads it, so by then the client sends to the new gateways).
    /// </summary>
    public event Action? Changed;

    /// <inheritdoc/>
    public TimeSpan MaxStaleness => ClusterTimeouts.GatewayListRefreshPeriod;

    /// <inheritdoc/>
    public bool IsUpdatable => true;

    /// <inheritdoc/>
    public Task InitializeGatewayListProvider() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task<IList<Uri>> GetGateways()
    {
        int[] ports = cluster.LiveGatewayPorts;
        lock (this)
        {
            if (changed)
            {
                changed = false;
                Changed?.Invoke();
            }

            if (!ports.AsSpan().SequenceEqual(served))
            {
                changed = served.Length > 0; // Not the first read.
                served = ports;
            }
        }

        return Task.FromResult<IList<Uri>>([.. ports.Select(port => new Uri($"gwy.tcp://127.0.0.1:{port}/0"))]);
    }
}
