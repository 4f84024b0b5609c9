namespace Multiprocessing.Tests.Orleans;

/// <summary>One local cluster of three silo processes, shared by the tests of <see cref="SharedLocalCluster"/> (a cluster takes seconds to start).</summary>
public sealed class LocalClusterFixture : IDisposable
{
    public LocalClusterFixture() => Pool = ClusterPool.StartLocal(silos: 3);

    /// <summary>A pool on the cluster; tests that need other options connect pools of their own to the same silos.</summary>
    public ClusterPool Pool { get; }

    /// <summary>Another pool on the same silos, with the cluster's timeouts (a client connects in a fraction of the time a cluster takes to start); disposing it leaves the silos running.</summary>
    public ClusterPool Connect(ClusterPoolOptions? options) => ClusterPool.ConnectLocalAsync(Pool.Cluster!, options).GetAwaiter().GetResult();

    public void Dispose() => Pool.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SharedLocalCluster : ICollectionFixture<LocalClusterFixture>
{
    public const string Name = "A local Orleans cluster";
}
