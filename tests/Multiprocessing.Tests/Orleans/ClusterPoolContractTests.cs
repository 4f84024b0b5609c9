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

    /// <summary>
    /// A lane keeps one grain call in flight by default (the contract's "a worker runs one task at a time"; more,
    /// with <see cref="ClusterPoolOptions.CallsPerLane"/>, break six of these tests; the racing tests drained their 3 × 20,000 in time with 4 at load 50-60), so one-item tasks go at a
    /// call's round trip: a few thousand a second when quiet, a few hundred at load 60 (session 8's clean clones:
    /// 14,554 accepted did not drain in 30 s). The race itself needs only that submitters are running when the stop lands.
    /// </summary>
    protected override int RacingSubmissions => 1_000;

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
