using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

// A silo host for ClusterPool.Connect (docs/orleans.md). As it stands it uses Orleans' development clustering, for
// trying it on one machine:
//
//   dotnet run --project samples/ClusterSilo -- 11111 30000            (the primary silo: holds the membership table)
//   dotnet run --project samples/ClusterSilo -- 11112 30001 11111      (more silos: their ports, then the primary's)
//
// and, in the app: ClusterPool.Connect(c => c.UseLocalhostClustering([30000, 30001], "multiprocessing", "dev")).
// For several machines replace UseLocalhostClustering by a membership provider (UseAdoNetClustering, Redis, Azure
// tables, Kubernetes...) and ConfigureEndpoints(siloPort, gatewayPort): see docs/orleans.md, "Membership choices".
int siloPort = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 11111;
int gatewayPort = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30000;
IPEndPoint? primary = args.Length > 2 ? new IPEndPoint(IPAddress.Loopback, int.Parse(args[2], CultureInfo.InvariantCulture)) : null;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: "multiprocessing", clusterId: "dev")
    // A lost silo found in seconds, and its calls retried by the pools: see docs/orleans.md, "Timeouts".
    .Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
    })
    .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(3)));
await builder.Build().RunAsync();
