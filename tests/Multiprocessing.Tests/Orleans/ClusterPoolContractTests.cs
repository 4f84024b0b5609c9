using Multiprocessing.Tests.Pools;

namespace Multiprocessing.Tests.Orleans;

/// <summary>
/// ClusterPool: every pool's tests (<see cref="WorkerPoolTestBase"/>), each pool a client of the shared local cluster
/// (connecting a client takes a fraction of a second; starting a cluster, seconds). What only a cluster pool does is in
/// <see cref="ClusterPoolTests"/> and <see cref="ClusterPoolFaultTests"/>.
/// </summary>
[Collection(SharedLocalCluster.Name)]
public sealed class ClusterPoolContractTests(LocalClusterFixture cluster) : WorkerPoolTestBase
{
    protected override bool DelegateExceptionsArriveAsThemselves => false;

    /// <summary>A cancelled running task ends here at once; its silo runs it on, its result dropped.</summary>
    protected override bool CancellingStopsARunningTask => true;

    protected override bool SupportsMaxTasksPerWorker => false;

    protected override bool TimedOutTasksReplaceTheirWorker => false;

    protected override bool CancellationReachesTheDelegateBeforeTheTaskEnds => false;

    protected override bool CancelledChunksStopBeforeTheirNextItem => false;

    /// <summary>Terminate fails the lanes' calls and the lanes end; a silo runs an abandoned delegate on, and Join does not wait for it.</summary>
    protected override bool JoinWaitsForAbandonedDelegates => false;

    /// <summary>Each round connects a client: a few rounds are enough to race Close and Terminate against submissions.</summary>
    protected override int SmallPoolRaceRounds => 5;

    protected override WorkerPool CreatePool(PoolOptions options) => cluster.Connect(new ClusterPoolOptions
    {
        WorkerCount = options.WorkerCount,
        TaskTimeout = options.TaskTimeout,
        MaxQueuedTasks = options.MaxQueuedTasks,
        WhenQueueFull = options.WhenQueueFull,
        Initializer = options.Initializer,
        MaxTasksPerWorker = options.MaxTasksPerWorker,
        Name = options.Name,
        MeterFactory = options.MeterFactory,
        LoggerFactory = options.LoggerFactory,
    });
}
