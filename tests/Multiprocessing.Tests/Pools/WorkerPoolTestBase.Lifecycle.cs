using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>Every pool: Close, Terminate, Join, Dispose, and submissions racing them.</summary>
public abstract partial class WorkerPoolTestBase
{
    [Fact]
    public void Close_RefusesNewWork_LetsQueuedTasksFinish_ThenJoinReturns()
    {
        WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        Task<int> running = pool.Submit(
            static (SharedEvent s, SharedEvent g) =>
            {
                s.Set();
                g.Hold();
                return -1;
            },
            started,
            gate);
        started.WaitOrFail("the first task");
        Task<int>[] queued = [.. Enumerable.Range(0, 5).Select(i => pool.Submit(static (int x) => x, i))];

        pool.Close();

        var refused = PoolTestSupport.Refuses<InvalidOperationException>(() => pool.Submit(static () => 99));
        Assert.Contains("closed", refused.Message, StringComparison.Ordinal);
        Assert.False(pool.Join(TimeSpan.Zero)); // the first task still holds the only worker
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
        WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        using SharedValue<int> queuedRan = SharedValue.Create(0);
        Task running = pool.Submit(
            static (SharedEvent s, SharedEvent g) =>
            {
                s.Set();
                g.Hold();
                return 0;
            },
            started,
            gate);
        started.WaitOrFail("the first task");
        Task[] queued = [.. Enumerable.Range(0, 3).Select(_ => pool.Submit(static (SharedValue<int> n) => { n.Add(1); }, queuedRan))];

        pool.Terminate();

        // Every task has failed while the running delegate still holds its worker.
        Assert.All(queued.Append(running), t =>
        {
            t.EndsOrFail("a terminated task");
            Assert.IsType<PoolTerminatedException>(t.Exception?.InnerException);
        });
        PoolTestSupport.Refuses<InvalidOperationException>(() => pool.Submit(static () => { }));
        if (StoppedTasksStopRunning || !JoinWaitsForAbandonedDelegates)
        {
            Assert.True(pool.Join(Within.Deadline)); // its worker was killed, or the pool does not wait for it: no need to open the gate
        }
        else
        {
            Assert.False(pool.Join(TimeSpan.Zero)); // a thread cannot be stopped: it finishes its delegate first
        }

        gate.Set();
        Assert.True(pool.Join(Within.Deadline));
        Assert.Equal(0, queuedRan.Value);
        PoolCounters c = pool.Counters;
        Assert.Equal((0L, 0, 0L, 4L), (c.Queued, c.Running, c.Completed, c.Failed));
        pool.Dispose();
    }

    [Fact]
    public async Task Terminate_CallsErrorCallbacks_WithPoolTerminatedException()
    {
        await using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        var errors = new ConcurrentQueue<Exception>();
        Task[] tasks = [.. Enumerable.Range(0, 4).Select(_ => pool.ApplyAsync(static (SharedEvent g) => g.Hold(), gate, errorCallback: errors.Enqueue))];

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
        using WorkerPool pool = CreatePool(1);

        Assert.Throws<InvalidOperationException>(() => pool.Join());
        Assert.Throws<InvalidOperationException>(() => pool.Join(TimeSpan.Zero));
        PoolTestSupport.Refuses<InvalidOperationException>(() => pool.JoinAsync());
    }

    [Fact]
    public async Task JoinAsync_CompletesOnceTheWorkersHaveStopped()
    {
        WorkerPool pool = CreatePool(2);
        using var gate = SharedEvent.Create();
        Task task = pool.Submit(static (SharedEvent g) => g.Hold(), gate);
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
        WorkerPool pool = CreatePool(2);
        using var gate = SharedEvent.Create();
        using SharedValue<int> done = SharedValue.Create(0);
        for (int i = 0; i < 20; i++)
        {
            pool.Submit(
                static (SharedEvent g, SharedValue<int> n) =>
                {
                    g.Hold();
                    return n.Add(1);
                },
                gate,
                done);
        }

        Task disposing = Task.Run(pool.Dispose);
        Assert.False(disposing.EndsWithin(PoolTestSupport.Short)); // the tasks are held, so Dispose waits
        gate.Set();
        disposing.EndsOrFail("Dispose");

        Assert.True(disposing.IsCompletedSuccessfully);
        Assert.Equal(20, done.Value);
        PoolTestSupport.Refuses<ObjectDisposedException>(() => pool.Submit(static () => 1));
    }

    [Fact]
    public async Task DisposeAsync_WaitsForEveryTaskAlreadySubmitted()
    {
        WorkerPool pool = CreatePool(2);
        using SharedValue<int> done = SharedValue.Create(0);
        Task[] tasks = [.. Enumerable.Range(0, 50).Select(_ => pool.Submit(static (SharedValue<int> n) => { n.Add(1); }, done))];

        await pool.DisposeAsync();

        Assert.Equal(50, done.Value);
        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        PoolTestSupport.Refuses<ObjectDisposedException>(() => pool.ApplyAsync(static () => 1));
    }

    [Fact]
    public void CloseAndTerminate_CanBeCalledInAnyOrderAndAgain()
    {
        using WorkerPool pool = CreatePool(1);
        pool.Apply(static () => 1);

        pool.Close();
        pool.Close();
        pool.Terminate();
        pool.Terminate();
        pool.Close();

        Assert.True(pool.Join(Within.Deadline));
        Assert.Throws<InvalidOperationException>(() => pool.Apply(static () => 1));
    }

    [Fact]
    public void SubmissionsRacingClose_EitherRunOrAreRefused_AndJoinReturns()
    {
        WorkerPool pool = CreatePool(2);
        var accepted = new ConcurrentQueue<Task<int>>();
        Task[] submitters = StartSubmitters(pool, accepted);
        PoolTestSupport.Eventually(() => accepted.Count > 1000, () => "a thousand accepted submissions");
        pool.Close();
        PoolTestSupport.AllEndOrFail(submitters);

        pool.JoinOrFail("after Close", accepted.Count);
        Assert.All(accepted, t => Assert.True(t.IsCompletedSuccessfully, $"an accepted task is {t.Status}"));
        Assert.Equal(accepted.Count, pool.Counters.Completed);
        Assert.Equal(0L, pool.Counters.Queued);
        pool.Dispose();
    }

    [Fact]
    public void SubmissionsRacingTerminate_AllEnd_AndJoinReturns()
    {
        WorkerPool pool = CreatePool(2);
        var accepted = new ConcurrentQueue<Task<int>>();
        Task[] submitters = StartSubmitters(pool, accepted);
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
    public void SubmissionsRacingClose_ManyRounds_NoWorkerSleepsThroughTheStop()
    {
        // Three submitters race Close at a different moment each round, so that a refused submission lands in the
        // queue just as a worker decides whether to sleep. A thread pool's worker used to read the queue (empty),
        // the state (closed), then the queue again (the refused task: not empty, so no stop) and sleep, and nothing
        // woke it: Join waited for ever (about once in a hundred rounds).
        var random = new Random(7);
        for (int round = 0; round < SmallPoolRaceRounds; round++)
        {
            WorkerPool pool = CreatePool(2);
            var accepted = new ConcurrentQueue<Task<int>>();
            int closeAfter = random.Next(0, 3000);
            Task[] submitters = StartSubmitters(pool, accepted);
            PoolTestSupport.Eventually(() => accepted.Count >= closeAfter || submitters.All(s => s.IsCompleted), () => "accepted submissions");
            pool.Close();
            PoolTestSupport.AllEndOrFail(submitters);

            pool.JoinOrFail($"round {round}", accepted.Count);
            Assert.All(accepted, t => Assert.True(t.IsCompletedSuccessfully, $"round {round}: an accepted task is {t.Status}"));
            pool.Dispose();
        }
    }

    [Fact]
    public void SubmissionsRacingTerminate_OnSmallPools_NeverLeaveATaskHanging()
    {
        // Many short races, so that some submission lands between the pool's last look at its queue and its stop.
        for (int round = 0; round < SmallPoolRaceRounds; round++)
        {
            WorkerPool pool = CreatePool(1);
            var accepted = new ConcurrentQueue<Task<int>>();
            Task submitter = Task.Run(() =>
            {
                // Bounded, as in the other races: the race is at the stop, and a Close that comes late on a busy
                // machine must not leave an unbounded amount of work to drain.
                for (int i = 0; i < RacingSubmissions; i++)
                {
                    try
                    {
                        accepted.Enqueue(pool.Submit(static (int x) => x, i));
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
            pool.JoinOrFail($"round {round} ({(round % 2 == 0 ? "Terminate" : "Close")})", accepted.Count);
            Assert.All(accepted, t => t.EndsOrFail($"round {round}: an accepted task"));
            pool.Dispose();
        }
    }

    /// <summary>
    /// Starts three threads that submit up to <see cref="RacingSubmissions"/> one-item tasks each into
    /// <paramref name="accepted"/>, released together, each stopping at its first refusal.
    /// </summary>
    private Task[] StartSubmitters(WorkerPool pool, ConcurrentQueue<Task<int>> accepted)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task[] submitters = [.. Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            await go.Task;
            for (int i = 0; i < RacingSubmissions; i++)
            {
                try
                {
                    accepted.Enqueue(pool.Submit(static (int x) => x, i));
                }
                catch (InvalidOperationException)
                {
                    return;
                }
            }
        }))];
        go.SetResult();
        return submitters;
    }
}
