using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>ThreadWorkerPool: Close, Terminate, Join, Dispose, and submissions racing them.</summary>
public sealed class ThreadWorkerPoolLifecycleTests
{
    [Fact]
    public void Close_RefusesNewWork_LetsQueuedTasksFinish_ThenJoinReturns()
    {
        var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        Task<int> running = pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
            return -1;
        });
        started.WaitOrFail("the first task");
        Task<int>[] queued = [.. Enumerable.Range(0, 5).Select(i => pool.Submit(() => i))];

        pool.Close();

        var refused = PoolTestSupport.Refuses<InvalidOperationException>(() => pool.Submit(() => 99));
        Assert.Contains("closed", refused.Message, StringComparison.Ordinal);
        Assert.False(pool.Join(TimeSpan.Zero)); // the first task still holds the only thread
        gate.Set();
        Assert.True(pool.Join(Within.Deadline));
        Assert.Equal(-1, running.ResultOrFail());
        Assert.Equal([0, 1, 2, 3, 4], queued.Select(t => t.ResultOrFail()));
        Assert.Equal(0, pool.Counters.WorkersAlive);
        pool.Dispose();
    }

    [Fact]
    public void Terminate_FailsQueuedAndRunningTasksAtOnce_WithPoolTerminatedException()
    {
        var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        int queuedRan = 0;
        Task running = pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
        });
        started.WaitOrFail("the first task");
        Task[] queued = [.. Enumerable.Range(0, 3).Select(_ => pool.Submit(() => { Interlocked.Increment(ref queuedRan); }))];

        pool.Terminate();

        // Every task has failed while the running delegate still holds the thread.
        Assert.All(queued.Append(running), t =>
        {
            t.EndsOrFail("a terminated task");
            Assert.IsType<PoolTerminatedException>(t.Exception?.InnerException);
        });
        Assert.False(pool.Join(TimeSpan.Zero)); // a thread cannot be stopped: it finishes its delegate first
        PoolTestSupport.Refuses<InvalidOperationException>(() => pool.Submit(() => { }));

        gate.Set();
        Assert.True(pool.Join(Within.Deadline));
        Assert.Equal(0, queuedRan);
        PoolCounters c = pool.Counters;
        Assert.Equal((0L, 0, 0L, 4L), (c.Queued, c.Running, c.Completed, c.Failed));
        pool.Dispose();
    }

    [Fact]
    public async Task Terminate_CallsErrorCallbacks_WithPoolTerminatedException()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        var errors = new ConcurrentQueue<Exception>();
        Task[] tasks = [.. Enumerable.Range(0, 4).Select(_ => pool.ApplyAsync(gate.Hold, errorCallback: errors.Enqueue))];

        pool.Terminate();
        gate.Set();
        foreach (Task t in tasks)
        {
            await Assert.ThrowsAsync<PoolTerminatedException>(() => t);
        }

        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.IsType<PoolTerminatedException>(e));
    }

    [Fact]
    public void Join_WhileOpen_Throws()
    {
        using var pool = new ThreadWorkerPool(1);

        Assert.Throws<InvalidOperationException>(() => pool.Join());
        Assert.Throws<InvalidOperationException>(() => pool.Join(TimeSpan.Zero));
        PoolTestSupport.Refuses<InvalidOperationException>(() => pool.JoinAsync());
    }

    [Fact]
    public async Task JoinAsync_CompletesOnceTheThreadsHaveStopped()
    {
        var pool = new ThreadWorkerPool(2);
        using var gate = new ManualResetEventSlim();
        Task task = pool.Submit(gate.Hold);
        pool.Close();

        Task joined = pool.JoinAsync();
        Assert.False(joined.IsCompleted);
        gate.Set();
        await joined.WaitAsync(Within.Deadline);

        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(0, pool.Counters.WorkersAlive);
        await pool.DisposeAsync();
    }

    [Fact]
    public void Dispose_WaitsForEveryTaskAlreadySubmitted()
    {
        var pool = new ThreadWorkerPool(2);
        using var gate = new ManualResetEventSlim();
        int done = 0;
        for (int i = 0; i < 20; i++)
        {
            pool.Submit(() =>
            {
                gate.Hold();
                Interlocked.Increment(ref done);
            });
        }

        Task disposing = Task.Run(pool.Dispose);
        Assert.False(disposing.EndsWithin(PoolTestSupport.Short)); // the tasks are held, so Dispose waits
        gate.Set();
        disposing.EndsOrFail("Dispose");

        Assert.True(disposing.IsCompletedSuccessfully);
        Assert.Equal(20, done);
        PoolTestSupport.Refuses<ObjectDisposedException>(() => pool.Submit(() => 1));
    }

    [Fact]
    public async Task DisposeAsync_WaitsForEveryTaskAlreadySubmitted()
    {
        var pool = new ThreadWorkerPool(2);
        int done = 0;
        Task[] tasks = [.. Enumerable.Range(0, 50).Select(_ => pool.Submit(() => { Interlocked.Increment(ref done); }))];

        await pool.DisposeAsync();

        Assert.Equal(50, done);
        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        PoolTestSupport.Refuses<ObjectDisposedException>(() => pool.ApplyAsync(() => 1));
    }

    [Fact]
    public void Dispose_OnAPoolThread_OnlyCloses()
    {
        var pool = new ThreadWorkerPool(1);

        Task selfDispose = pool.Submit(pool.Dispose);
        selfDispose.EndsOrFail("Dispose on the pool's own thread");

        Assert.True(selfDispose.IsCompletedSuccessfully);
        Assert.True(pool.Join(Within.Deadline));
    }

    [Fact]
    public void Join_OnAPoolThread_Throws()
    {
        using var pool = new ThreadWorkerPool(2);
        using var closed = new ManualResetEventSlim();

        Task<Exception?> join = pool.Submit<Exception?>(() =>
        {
            closed.Hold();
            return Record.Exception(() => pool.Join());
        });
        pool.Close();
        closed.Set();

        Assert.IsType<InvalidOperationException>(join.ResultOrFail());
    }

    [Fact]
    public void CloseAndTerminate_CanBeCalledInAnyOrderAndAgain()
    {
        using var pool = new ThreadWorkerPool(1);
        pool.Apply(() => 1);

        pool.Close();
        pool.Close();
        pool.Terminate();
        pool.Terminate();
        pool.Close();

        Assert.True(pool.Join(Within.Deadline));
        Assert.Throws<InvalidOperationException>(() => pool.Apply(() => 1));
    }

    [Fact]
    public void ANewPool_ClosedAtOnce_JoinsWithoutEverStartingAThread()
    {
        var pool = new ThreadWorkerPool(3);

        pool.Close();

        Assert.True(pool.Join(Within.Deadline));
        Assert.Equal(0L, pool.Counters.WorkersStarted);
        pool.Dispose();
    }

    [Fact]
    public void SubmissionsRacingClose_EitherRunOrAreRefused_AndJoinReturns()
    {
        var pool = new ThreadWorkerPool(2);
        var accepted = new ConcurrentQueue<Task<int>>();
        int refused = 0;
        using var go = new ManualResetEventSlim();
        var submitters = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            go.Hold();
            for (int i = 0; i < 20_000; i++)
            {
                try
                {
                    accepted.Enqueue(pool.Submit((int x) => x, i));
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        })).ToArray();

        go.Set();
        PoolTestSupport.Eventually(() => accepted.Count > 1000, () => "a thousand accepted submissions");
        pool.Close();
        PoolTestSupport.AllEndOrFail(submitters);

        Assert.True(pool.Join(Within.Deadline));
        Assert.All(accepted, t => Assert.True(t.IsCompletedSuccessfully, $"an accepted task is {t.Status}"));
        Assert.Equal(accepted.Count, pool.Counters.Completed);
        Assert.Equal(0L, pool.Counters.Queued);
        pool.Dispose();
    }

    [Fact]
    public void SubmissionsRacingTerminate_AllEnd_AndJoinReturns()
    {
        var pool = new ThreadWorkerPool(2);
        var accepted = new ConcurrentQueue<Task<int>>();
        using var go = new ManualResetEventSlim();
        var submitters = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            go.Hold();
            for (int i = 0; i < 20_000; i++)
            {
                try
                {
                    accepted.Enqueue(pool.Submit((int x) => x, i));
                }
                catch (InvalidOperationException)
                {
                    return;
                }
            }
        })).ToArray();

        go.Set();
        PoolTestSupport.Eventually(() => accepted.Count > 1000, () => "a thousand accepted submissions");
        pool.Terminate();
        PoolTestSupport.AllEndOrFail(submitters);

        Assert.True(pool.Join(Within.Deadline));
        Assert.All(accepted, t =>
        {
            t.EndsOrFail("an accepted task");
            Assert.True(t.IsCompletedSuccessfully || t.Exception?.InnerException is PoolTerminatedException, $"an accepted task is {t.Status}: {t.Exception}");
        });
        PoolCounters c = pool.Counters;
        Assert.Equal(accepted.Count, c.Completed + c.Failed);
        Assert.Equal((0L, 0), (c.Queued, c.Running));
        pool.Dispose();
    }

    [Fact]
    public void SubmissionsRacingTerminate_OnSmallPools_NeverLeaveATaskHanging()
    {
        // Many short races, so that some submission lands between the pool's last look at its queue and its stop.
        for (int round = 0; round < 300; round++)
        {
            var pool = new ThreadWorkerPool(1);
            var accepted = new ConcurrentQueue<Task<int>>();
            Task submitter = Task.Run(() =>
            {
                for (int i = 0; ; i++)
                {
                    try
                    {
                        accepted.Enqueue(pool.Submit((int x) => x, i));
                    }
                    catch (InvalidOperationException)
                    {
                        return;
                    }
                }
            });
            PoolTestSupport.Eventually(() => accepted.Count > round % 50, () => "accepted submissions");
            if (round % 2 == 0)
            {
                pool.Terminate();
            }
            else
            {
                pool.Close();
            }

            submitter.EndsOrFail("the submitter");
            Assert.True(pool.Join(Within.Deadline), $"round {round}: the pool did not stop");
            Assert.All(accepted, t => t.EndsOrFail($"round {round}: an accepted task"));
            pool.Dispose();
        }
    }
}
