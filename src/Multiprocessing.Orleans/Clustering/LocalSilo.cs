using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Multiprocessing.Clustering;

/// <summary>What a silo process of a local cluster runs (<see cref="ClusterPool.StartLocal"/>): a silo host with localhost clustering, until SIGTERM.</summary>
internal static class LocalSilo
{
    /// <summary>Runs the silo until <see cref="CurrentProcess.TerminationToken"/> fires, then stops it.</summary>
    /// <param name="ports">This silo's port for other silos, its port for clients, and the silo port of the primary silo (the first one), which holds the membership table.</param>
    /// <param name="clusterId">The cluster's id, unique per local cluster.</param>
    /// <param name="responseTimeoutMs">Orleans' response timeout, in milliseconds.</param>
    public static async Task Run(int[] ports, string clusterId, long responseTimeoutMs)
    {
        (int siloPort, int gatewayPort, int primaryPort) = (ports[0], ports[1], ports[2]);
        IPEndPoint? primary = primaryPort == siloPort ? null : new IPEndPoint(IPAddress.Loopback, primaryPort);
        using IHost host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, primary, LocalCluster.ServiceId, clusterId);
                silo.Configure<ClusterMembershipOptions>(ClusterTimeouts.Configure);
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(responseTimeoutMs));
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
