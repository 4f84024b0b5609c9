using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Multiprocessing.Tests.Support;
using Orleans.Configuration;
using Orleans.Messaging;

namespace Multiprocessing.Tests.Orleans;

/// <summary>A <see cref="ClusterPool"/> whose silo processes are killed, and one that is disposed: each test starts a cluster of its own.</summary>
public sealed class ClusterPoolFaultTests
{
    private const int Items = 3000;

    [Fact]
    public async Task ASiloKilledMidMap_LosesNoTask_AndEveryResultIsRight()
    {
        using ClusterPool pool = ClusterPool.StartLocal(silos: 3);
        int victim = pool.SiloProcessIds[2]; // Not the first: it holds the membership table.
        using SharedEvent victimWorks = SharedEvent.Create();
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new Progress<int>(done =>
        {
            if (done >= Items / 3)
            {
                halfway.TrySetResult();
            }
        });

        Task<long[]> map = pool.StarmapAsync(
            static (int x, int victim, SharedEvent victimWorks) => TagOnSilo(x, victim, victimWorks),
            Enumerable.Range(0, Items).Select(x => (x, victim, victimWorks)),
            chunkSize: 5,
            progress);
        await halfway.Task.WaitAsync(Within.Deadline);
        victimWorks.Wait(Within.Deadline);
        Process.GetProcessById(victim).Kill(); // SIGKILL
        long[] results = await map.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(Items, results.Length);
        for (int i = 0; i < Items; i++)
        {
            Assert.Equal(2L * i, results[i] & 0xFFFF_FFFF);
        }

        Assert.Contains(results, r => (int)(r >> 32) == victim); // The killed silo did run tasks before it died...
        Assert.True(pool.Retries > 0, "No call was lost: the test killed a silo that held none.");
        Assert.Equal(Items / 5, pool.Counters.Completed); // ...and no chunk failed or was counted twice.
        Assert.Equal(0, pool.Counters.Failed);
    }

    [Fact]
    public async Task AtMostOnce_FailsTheTasksOfAKilledSilo_InsteadOfRunningThemAgain()
    {
        using ClusterPool pool = ClusterPool.StartLocal(silos: 3, new ClusterPoolOptions { AtMostOnce = true });
        int victim = pool.SiloProcessIds[2];
        using SharedEvent victimWorks = SharedEvent.Create();
        Task<long>[] tasks = [.. Enumerable.Range(0, 60).Select(i => pool.Submit(
            static (int x, int victim, SharedEvent victimWorks) =>
            {
                Thread.Sleep(200);
                return TagOnSilo(x, victim, victimWorks);
            },
            i,
            victim,
            victimWorks))];
        victimWorks.Wait(Within.Deadline); // The victim is running a task now: its call is lost.
        Process.GetProcessById(victim).Kill();

        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(90)));

        Assert.All(tasks, t => Assert.True(t.IsCompleted));
        Assert.Contains(tasks, t => t.IsFaulted);
        Assert.All(tasks.Where(t => t.IsCompletedSuccessfully), t => Assert.NotEqual(victim, (int)(t.Result >> 32)));
        Assert.Equal(0, pool.Retries);
    }

    [Fact]
    public async Task ASiloAddedMidMap_GetsWork()
    {
        await using ClusterPool pool = await ClusterPool.StartLocalAsync(silos: 2);

        int added = await AnAddedSiloGetsWork(pool, pool);

        Assert.Equal(3, pool.SiloProcessIds.Count);
        Assert.Contains(added, pool.SiloProcessIds);
    }

    [Fact]
    public async Task ASiloJoiningAConnectedCluster_MidMap_GetsWork()
    {
        // The cluster's owner adds the silo; the pool under test joined with Connect, through a membership provider
        // of its own configuration (here one that lists the live silos' gateways, as a membership table would).
        await using ClusterPool owner = await ClusterPool.StartLocalAsync(silos: 2);
        Clustering.LocalCluster silos = owner.Cluster!;
        await using ClusterPool pool = await ClusterPool.ConnectAsync(c =>
        {
            c.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (Clustering.LocalCluster.ServiceId, silos.ClusterId));
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            c.Services.AddSingleton<IGatewayListProvider>(new LiveGateways(silos));
        });

        await AnAddedSiloGetsWork(pool, owner);
    }

    /// <summary>
    /// Runs an endless stream of small tasks on <paramref name="pool"/>; once they ran on both silos, has
    /// <paramref name="owner"/> add a third, and stops once a task ran on it (or fails, a deadline after it joined).
    /// </summary>
    /// <returns>The added silo's pid.</returns>
    private static async Task<int> AnAddedSiloGetsWork(ClusterPool pool, ClusterPool owner)
    {
        using SharedValue<int> added = SharedValue.Create(0);
        using SharedEvent addedWorks = SharedEvent.Create();
        var clock = Stopwatch.StartNew();
        TimeSpan joinedAt = TimeSpan.MaxValue;

        IEnumerable<int> items = Enumerable.Range(0, int.MaxValue).TakeWhile(_ => !addedWorks.IsSet && clock.Elapsed - joinedAt < Within.Deadline);
        var pids = new Dictionary<int, int>();
        await foreach (int pid in pool.ImapUnorderedAsync(RunningOn(added, addedWorks), items, chunkSize: 1))
        {
            pids[pid] = pids.GetValueOrDefault(pid) + 1;
            if (pids.Count == 2 && added.Value == 0)
            {
                int pid3 = await owner.AddLocalSiloAsync(); // Mid-map: both first silos are busy with it.
                added.Value = pid3;
                joinedAt = clock.Elapsed;
            }
        }

        Assert.True(addedWorks.IsSet, $"The silo added mid-map (pid {added.Value}, joined after {joinedAt.TotalSeconds:0.0} s) ran no task of {pool} in {(clock.Elapsed - joinedAt).TotalSeconds:0.0} s; tasks per silo: {string.Join(", ", pids.Select(p => $"{p.Key}: {p.Value}"))}.");
        Assert.Contains(added.Value, pids.Keys);
        return added.Value;
    }

    [Fact]
    public void AddLocalSilo_OnAPoolMadeByConnect_IsRefused()
    {
        using ClusterPool local = ClusterPool.StartLocal(silos: 1);
        int[] gateways = local.Cluster!.GatewayPorts;
        using ClusterPool connected = ClusterPool.Connect(c => c.UseLocalhostClustering(gateways, Clustering.LocalCluster.ServiceId, local.Cluster.ClusterId));

        Assert.Throws<InvalidOperationException>(() => connected.AddLocalSilo());
        connected.Dispose();
        local.Dispose();
        Assert.Throws<ObjectDisposedException>(() => local.AddLocalSilo());
    }

    [Fact]
    public void Dispose_StopsEverySiloProcess()
    {
        ClusterPool pool = ClusterPool.StartLocal(silos: 2);
        int[] silos = [.. pool.SiloProcessIds];
        Assert.Equal(2, pool.Apply(static () => 2));

        pool.Dispose();

        HashSet<int> children = ProcessTree.ChildPids();
        Assert.All(silos, pid => Assert.DoesNotContain(pid, children));
    }

    /// <summary>A membership provider of a user's own (not the one <see cref="ClusterPool.StartLocal"/> uses): the gateways of the silos running now.</summary>
    private sealed class LiveGateways(Clustering.LocalCluster silos) : IGatewayListProvider
    {
        public TimeSpan MaxStaleness => TimeSpan.FromSeconds(1);

        public bool IsUpdatable => true;

        public Task InitializeGatewayListProvider() => Task.CompletedTask;

        public Task<IList<Uri>> GetGateways() => Task.FromResult<IList<Uri>>([.. silos.LiveGatewayPorts.Select(p => new Uri($"gwy.tcp://127.0.0.1:{p}/0"))]);
    }

    /// <summary>A task that returns its silo's pid after a moment's work; on the silo whose pid is <paramref name="added"/>, it also sets <paramref name="addedWorks"/>. Its own closure, with these two only.</summary>
    private static Func<int, int> RunningOn(SharedValue<int> added, SharedEvent addedWorks) => _ =>
    {
        if (Environment.ProcessId == added.Value)
        {
            addedWorks.Set();
        }

        Thread.Sleep(5);
        return Environment.ProcessId;
    };

    /// <summary>
    /// 2x in the low half, the silo's pid in the high half, after a moment's work; on the silo
    /// <paramref name="victim"/>, also sets <paramref name="victimWorks"/> (the test then knows the victim is busy).
    /// </summary>
    private static long TagOnSilo(int x, int victim, SharedEvent victimWorks)
    {
        if (Environment.ProcessId == victim)
        {
            victimWorks.Set();
        }

        Thread.Sleep(2);
        return ((long)Environment.ProcessId << 32) | (uint)(2 * x);
    }
}
