using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.ManagerTests;

/// <summary>A managed joinable queue: the manager counts items put and not yet marked done.</summary>
public sealed class JoinableQueueTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Join_ReturnsOnceWorkerChildrenMarkEveryItemDone()
    {
        using Manager manager = Manager.Start();
        using ManagedJoinableQueue<int> tasks = manager.JoinableQueue<int>();
        using ManagedList<int> results = manager.List<int>();

        for (int i = 1; i <= 20; i++)
        {
            tasks.Put(i);
        }

        Assert.False(tasks.TryJoin(), "Join returned with 20 items unfinished");
        using ChildProcess a = ChildProcess.Start(Work, tasks, results);
        using ChildProcess b = ChildProcess.Start(Work, tasks, results);

        tasks.Join(Within.Deadline);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => i * 10), results.Snapshot().Order()); // every result was added before its TaskDone

        tasks.Put(-1);
        tasks.Put(-1);
        a.JoinOrFail();
        b.JoinOrFail();
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        Assert.True(tasks.TryJoin());
    }

    [Fact]
    public void Join_TimesOutWhileAnItemIsUnfinished_AndTaskDoneTooOftenThrows()
    {
        using Manager manager = Manager.Start();
        using ManagedJoinableQueue<string> q = manager.JoinableQueue<string>(maxSize: 1);

        Assert.True(q.TryJoin());
        q.Put("job");
        Assert.False(q.TryPut("more")); // bounded, as a queue
        Assert.Equal("job", q.Get(Within.Deadline));
        Assert.Equal(0, q.Count);
        Assert.Throws<TimeoutException>(() => q.Join(Short)); // taken, not yet done

        q.TaskDone();
        q.Join(Within.Deadline);
        Assert.Throws<InvalidOperationException>(q.TaskDone);
        Assert.True(q.TryJoin()); // the extra TaskDone changed nothing
    }

    [Fact]
    public void ParentWaitsInJoin_AChildFinishesTheItem_TheJoinReturns()
    {
        using Manager manager = Manager.Start();
        using ManagedJoinableQueue<string> q = manager.JoinableQueue<string>(name: "jobs");
        Assert.Throws<RemoteException>(() => manager.Queue<string>(name: "jobs")); // another kind
        q.Put("job");

        using ChildProcess<string> worker = ChildProcess.Start(static (ManagedJoinableQueue<string> jobs) =>
        {
            string job = jobs.Get(TimeSpan.FromSeconds(30));
            jobs.TaskDone();
            return job;
        }, q);

        q.Join(Within.Deadline);
        Assert.Equal("job", worker.ResultOrFail());
    }

    private static void Work(ManagedJoinableQueue<int> tasks, ManagedList<int> results)
    {
        while (true)
        {
            int item = tasks.Get(TimeSpan.FromSeconds(30));
            if (item < 0)
            {
                tasks.TaskDone();
                return;
            }

            results.Add(item * 10);
            tasks.TaskDone();
        }
    }
}
