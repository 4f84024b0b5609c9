using System.Diagnostics;
using Multiprocessing.Tests.Support;

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
    public void Dispose_StopsEverySiloProcess()
    {
        ClusterPool pool = ClusterPool.StartLocal(silos: 2);
        int[] silos = [.. pool.SiloProcessIds];
        Assert.Equal(2, pool.Apply(static () => 2));

        pool.Dispose();

        HashSet<int> children = ProcessTree.ChildPids();
        Assert.All(silos, pid => Assert.DoesNotContain(pid, children));
    }

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
