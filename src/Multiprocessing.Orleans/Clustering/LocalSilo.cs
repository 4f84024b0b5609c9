using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Multiprocessing.Clustering;

/// <summary>What a silo process of a local cluster runs (<see cref="ClusterPool.StartLocal"/>): a silo host with localhost clustering, until SIGTERM.</summary>
internal static class LocalSilo
{
    /// <summary>Runs the silo until <see cref="CurrentProcess.TerminationToken"/> fires, then stops it.</summary>
    /// <param name="siloPort">This silo's port for other silos.</param>
    /// <param name="gatewayPort">This silo's port for clients.</param>
    /// <param name="primaryPort">The silo port of the primary silo (the first one), which holds the membership table; this one's own if it is the primary.</param>
    /// <param name="clusterId">The cluster's id, unique per local cluster.</param>
    public static async Task Run(int siloPort, int gatewayPort, int primaryPort, string clusterId)
    {
        IPEndPoint? primary = primaryPort == siloPort ? null : new IPEndPoint(IPAddress.Loopback, primaryPort);
        using IHost host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, primary, LocalCluster.ServiceId, clusterId);
                silo.Configure<ClusterMembershipOptions>(ClusterTimeouts.Configure);
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ClusterTimeouts.ResponseTimeout);
            })
            .Build();
        CancellationToken stop = CurrentProcess.TerminationToken;
        await host.StartAsync(stop).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM: stop below.
        }

        using var grace = new CancellationTokenSource(LocalCluster.StopGrace);
        await host.StopAsync(grace.Token).ConfigureAwait(false);
    }
}
