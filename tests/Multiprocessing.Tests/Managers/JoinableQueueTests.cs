using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed joinable queue: the manager counts items put and not yet marked done.</summary>
public sealed class JoinableQueueTests
{
    /// <summary>Rounds of <see cref="LastTaskDoneThenPutAtOnce_EndsEveryJoin_InEveryProcess"/>.</summary>
    private const int JoinRounds = 15;

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
    public async Task LastTaskDoneThenPutAtOnce_EndsEveryJoin_InEveryProcess()
    {
        // Python: a join returns once every item is done, even if another item is put at once. The blocking joins
        // are single requests (the manager looks again every 100 ms); the async ones are made of 100 ms requests.
        using Manager manager = Manager.Start();
        using ManagedJoinableQueue<int> q = manager.JoinableQueue<int>(name: "q");
        using ManagedJoinableQueue<int> blocking = manager.JoinableQueue<int>(name: "q"), awaiting = manager.JoinableQueue<int>(name: "q");
        using ManagedJoinableQueue<int> childBlocking = manager.JoinableQueue<int>(name: "q"), childAwaiting = manager.JoinableQueue<int>(name: "q");
        using var woken = SharedSemaphore.Create(0);
        using var next = SharedSemaphore.Create(0);
        q.Put(0);
        Assert.Equal(0, q.Get(Within.Deadline)); // taken, not done: joins wait

        using ChildProcess<int> child = ChildProcess.Start(JoinEachRound, childBlocking, childAwaiting, woken, next);
        Task<int> mine = Task.Run(() => JoinEachRound(blocking, awaiting, woken, next));

        int round = 0;
        WakeUpRounds.Drive(JoinRounds, 2 * WakeUpRounds.PerProcess, () => q.JoiningCount, () =>
        {
            q.TaskDone(); // every item is done
            q.Put(++round); // and at once another is unfinished
            Assert.Equal(round, q.Get(Within.Deadline));
        }, woken, next, child);

        Assert.Equal(-1, await mine.WaitAsync(Within.Deadline));
        Assert.Equal(-1, child.ResultOrFail());
        Assert.False(q.TryJoin());
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

    /// <summary>A process's joiners, each with its own proxy (connection): one blocking, one async; -1, or the first round one of them missed.</summary>
    private static Task<int> JoinEachRound(ManagedJoinableQueue<int> blocking, ManagedJoinableQueue<int> awaiting, SharedSemaphore woken, SharedSemaphore next) =>
        WakeUpRounds.WaitBothWays(
            JoinRounds,
            woken,
            next,
            () => blocking.TryJoin(Within.Deadline),
            async () =>
            {
                try
                {
                    await awaiting.JoinAsync(Within.Deadline).ConfigureAwait(false);
                    return true;
                }
                catch (TimeoutException)
                {
                    return false;
                }
            });
}
