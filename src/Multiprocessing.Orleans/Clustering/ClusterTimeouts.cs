using Orleans.Configuration;

namespace Multiprocessing.Clustering;

/// <summary>
/// The Orleans timeouts of a local cluster (<see cref="ClusterPool.StartLocal"/>): a killed silo is found and its
/// lost calls fail within seconds rather than Orleans' defaults (30 s response timeout, 10 s probes, 3 missed).
/// </summary>
internal static class ClusterTimeouts
{
    /// <summary>How long a silo waits for the answer to a probe of another silo.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes after which a silo votes another dead.</summary>
    public const int MissedProbes = 2;

    /// <summary>How long a call waits for its answer before it fails with a <see cref="TimeoutException"/>, by default (<see cref="ClusterPoolOptions.ResponseTimeout"/>).</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How often a client of a local cluster reads its list of gateways again (Orleans' default: a minute), and so tries a gateway it took for dead.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Applies the membership timeouts to a silo.</summary>
    public static void Configure(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = MissedProbes;
    }
}
