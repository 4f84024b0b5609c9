using Multiprocessing.Clustering;
using Multiprocessing.Pools;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Orleans;

/// <summary>What a <see cref="ClusterPool"/> does on a running cluster: results, errors, timeouts, cancellation, spread over the silos.</summary>
[Collection(SharedLocalCluster.Name)]
public sealed class ClusterPoolTests(LocalClusterFixture cluster)
{
    private ClusterPool Pool => cluster.Pool;

    [Fact]
    public void Apply_ReturnsTheResult_ForEveryFunctionShape()
    {
        Assert.Equal(42, Pool.Apply(static () => 42));
        Assert.Equal(49, Pool.Apply(static (int x) => x * x, 7));
        Assert.Equal("ab", Pool.Apply(static (string a, string b) => a + b, "a", "b"));
        Assert.Equal(6L, Pool.Apply(static (long a, long b, long c) => a + b + c, 1L, 2L, 3L));
    }

    [Fact]
    public void Apply_RunsInASiloProcess()
    {
        int pid = Pool.Apply(static () => Environment.ProcessId);

        Assert.Contains(pid, Pool.SiloProcessIds);
    }

    [Fact]
    public async Task Submit_OfAClosure_SendsWhatItCaptures()
    {
        int offset = 1000;
        Task<int> sum = Pool.Submit((int x) => x + offset, 5);

        Assert.Equal(1005, await sum.WaitAsync(Within.Deadline));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(500)]
    public void Map_ReturnsEveryResultInOrder(int chunkSize)
    {
        long[] squares = Pool.Map(static (long x) => x * x, Enumerable.Range(0, 3000).Select(i => (long)i), chunkSize);

        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i * i), squares);
    }

    [Fact]
    public void Map_OfStrings_UsesTheCodec()
    {
        string[] words = Pool.Map(static (int x) => $"w{x}", Enumerable.Range(0, 100), chunkSize: 7);

        Assert.Equal(Enumerable.Range(0, 100).Select(x => $"w{x}"), words);
    }

    [Fact]
    public void Starmap_SpreadsTheTuples()
    {
        int[] sums = Pool.Starmap(static (int a, int b) => a + b, Enumerable.Range(0, 200).Select(i => (i, 2 * i)), chunkSize: 16);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => 3 * i), sums);
    }

    [Fact]
    public async Task Imap_AndImapUnordered_GiveEveryResult()
    {
        List<int> ordered = [.. Pool.Imap(static (int x) => x + 1, Enumerable.Range(0, 300), chunkSize: 10)];
        var unordered = new List<int>();
        await foreach (int r in Pool.ImapUnorderedAsync(static (int x) => x + 1, Enumerable.Range(0, 300), chunkSize: 10))
        {
            unordered.Add(r);
        }

        Assert.Equal(Enumerable.Range(1, 300), ordered);
        Assert.Equal(Enumerable.Range(1, 300), unordered.Order());
    }

    [Fact]
    public void Map_RunsOnEverySilo()
    {
        // Calls in flight at once, each holding its silo a moment: every silo gets some.
        int[] pids = Pool.Map(
            static (int _) =>
            {
                Thread.Sleep(20);
                return Environment.ProcessId;
            },
            Enumerable.Range(0, 400),
            chunkSize: 1);

        Assert.Equal(Pool.SiloProcessIds.Order(), pids.Distinct().Order());
    }

    [Fact]
    public async Task ATaskThatThrows_FailsWithARemoteException_NamingTheSilo()
    {
        Task<int> failing = Pool.Submit(static () => ThrowInvalid("boom"));

        RemoteException e = await Assert.ThrowsAsync<RemoteException>(() => failing.WaitAsync(Within.Deadline));
        Assert.Equal(typeof(InvalidOperationException).FullName, e.RemoteType);
        Assert.Equal("boom", e.RemoteMessage);
        Assert.Contains(e.ProcessId!.Value, Pool.SiloProcessIds);
        Assert.Equal(7, Pool.Apply(static () => 7)); // The pool carries on.
    }

    [Fact]
    public void AMapWhoseItemThrows_FailsWithThatItemsException()
    {
        RemoteException e = Assert.Throws<RemoteException>(() => Pool.Map(static (int x) => x == 77 ? ThrowInvalid($"item {x}") : x, Enumerable.Range(0, 100), chunkSize: 10));

        Assert.Equal("item 77", e.RemoteMessage);
    }

    [Fact]
    public async Task AFunctionOfAnotherBuild_FailsWithVersionMismatchException()
    {
        PoolFunction function = new PoolFunctions(4).For((Func<int>)(static () => 1));
        byte[] otherBuild = [.. function.Payload];
        otherBuild[0] ^= 0x40; // The payload's format version, as another build of Multiprocessing would write it.
        ProcessTask<int> work = ProcessTasks.Single(1, function, WorkItems.Of(static () => 1), Timeout.InfiniteTimeSpan, CancellationToken.None);

        IPoolLaneObserver caller = Pool.Client.CreateObjectReference<IPoolLaneObserver>(new LaneKeepAlive());
        PoolReply reply = await Pool.Client.GetGrain<IPoolWorkerGrain>(0).Run(otherBuild, work.Frame, caller, 1, 1000, CancellationToken.None).WaitAsync(Within.Deadline);
        ClusterPool.Complete(work, reply, new WorkerTally(Pool));

        VersionMismatchException e = await Assert.ThrowsAsync<VersionMismatchException>(() => work.Task);
        Assert.Contains(reply.ProcessId, Pool.SiloProcessIds);
        Assert.Equal(typeof(VersionMismatchException).FullName, Assert.IsType<RemoteException>(e.InnerException).RemoteType);
    }

    [Fact]
    public void AnArgumentThatCannotCross_FailsInTheCaller()
    {
        Assert.Throws<ArgumentException>(() => Pool.Apply(static (Action a) => 1, static () => { }));
    }

    [Fact]
    public async Task ATaskPastItsTimeout_FailsWithTimeoutException()
    {
        await using ClusterPool pool = ConnectToTheCluster(new ClusterPoolOptions { WorkerCount = 2, TaskTimeout = TimeSpan.FromMilliseconds(200) });

        Task<int> slow = pool.Submit(static () =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(3));
            return 1;
        });

        await Assert.ThrowsAsync<TimeoutException>(() => slow.WaitAsync(Within.Deadline));
        Assert.Equal(2, pool.Apply(static () => 2));
    }

    [Fact]
    public async Task CancellingAQueuedTask_CancelsIt_AndCountsItFailed()
    {
        await using ClusterPool pool = ConnectToTheCluster(new ClusterPoolOptions { WorkerCount = 1 });
        using SharedEvent release = SharedEvent.Create();
        Task blocker = pool.Submit(static (SharedEvent e) => e.Wait(Within.Deadline), release);
        using var cts = new CancellationTokenSource();
        Task<int> queued = pool.Submit(static () => 1, cts.Token);

        await cts.CancelAsync();
        release.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Within.Deadline));
        await blocker.WaitAsync(Within.Deadline);
        Assert.Equal(1, pool.Counters.Failed);
    }

    [Fact]
    public async Task ATaskLongerThanTheResponseTimeout_RunsOnce_AndReturnsItsResult()
    {
        await using ClusterPool pool = ConnectToTheCluster(new ClusterPoolOptions { WorkerCount = 1 });
        using SharedValue<int> runs = SharedValue.Create(0);

        Task<int> slow = pool.Submit(
            static (SharedValue<int> runs) =>
            {
                runs.Add(1);
                Thread.Sleep(TimeSpan.FromSeconds(10)); // More than three times the response timeout of 3 s.
                return 42;
            },
            runs);

        Assert.Equal(42, await slow.WaitAsync(Within.Deadline));
        Assert.Equal(1, runs.Value);
        Assert.Equal(0, pool.Retries);
    }

    [Fact]
    public void Counters_CountTheCalls()
    {
        using ClusterPool pool = ConnectToTheCluster(new ClusterPoolOptions { WorkerCount = 4 });

        pool.Map(static (int x) => x, Enumerable.Range(0, 40), chunkSize: 10);

        PoolCounters c = pool.Counters;
        Assert.Equal(4, c.Completed);
        Assert.Equal(0, c.Failed);
        Assert.Equal(4, c.WorkersAlive);
    }

    [Fact]
    public void Options_ThatAClusterCannotHonour_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => ClusterPool.StartLocal(1, new ClusterPoolOptions { Initializer = static () => { } }));
        Assert.Throws<ArgumentException>(() => ClusterPool.StartLocal(1, new ClusterPoolOptions { MaxTasksPerWorker = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClusterPool.StartLocal(0));
    }

    [Fact]
    public void ADisposedPool_RefusesWork()
    {
        ClusterPool pool = ConnectToTheCluster(null);
        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pool.Apply(static () => 1));
    }

    private static int ThrowInvalid(string message) => throw new InvalidOperationException(message);

    /// <summary>Another pool on the fixture's silos, with their timeouts.</summary>
    private ClusterPool ConnectToTheCluster(ClusterPoolOptions? options) => cluster.Connect(options);
}
