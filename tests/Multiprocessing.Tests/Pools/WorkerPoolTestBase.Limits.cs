using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>Every pool: a bounded queue (wait or throw), the per-task timeout, cancellation, counters and replacement after N tasks.</summary>
public abstract partial class WorkerPoolTestBase
{
    [Fact]
    public void BoundedQueue_WithThrow_RefusesATaskWhenFull_AndTakesOneAgainOnceATaskStarts()
    {
        using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 2, WhenQueueFull = QueueFullBehavior.Throw });
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        Task first = StartHeld(pool, started, gate); // running, so no longer in the queue
        Task<int> second = pool.Submit(static () => 2);
        Task<int> third = pool.Submit(static () => 3);

        var full = PoolTestSupport.Refuses<QueueFullException>(() => pool.Submit(static () => 4));
        Assert.Contains("MaxQueuedTasks", full.Message, StringComparison.Ordinal);
        Assert.Equal(2L, pool.Counters.Queued);

        gate.Set();
        Assert.Equal((2, 3), (second.ResultOrFail(), third.ResultOrFail()));
        Assert.Equal(5, pool.Apply(static () => 5));
        first.EndsOrFail("the first task");
    }

    [Fact]
    public void BoundedQueue_WithWait_BlocksTheSubmitterUntilATaskStarts()
    {
        using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1 });
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        Task first = StartHeld(pool, started, gate);
        Task<int> second = pool.Submit(static () => 2);

        Task<int> submitting = Task.Run(() => pool.Submit(static () => 3));
        Assert.False(submitting.EndsWithin(PoolTestSupport.Short)); // the queue is full: Submit waits

        gate.Set();
        Assert.Equal(3, submitting.ResultOrFail());
        Assert.Equal(2, second.ResultOrFail());
        first.EndsOrFail("the first task");
    }

    [Fact]
    public void BoundedQueue_ASubmitterWaitingForRoom_IsRefusedWhenThePoolCloses()
    {
        WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1 });
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        StartHeld(pool, started, gate);
        pool.Submit(static () => 2);
        Task<int> submitting = Task.Run(() => pool.Submit(static () => 3));
        Assert.False(submitting.EndsWithin(PoolTestSupport.Short));

        pool.Close();

        submitting.EndsOrFail("the waiting Submit");
        Assert.IsType<InvalidOperationException>(submitting.Exception?.InnerException);
        gate.Set();
        Assert.True(pool.Join(Within.Deadline));
        pool.Dispose();
    }

    [Fact]
    public async Task BoundedQueue_MapAsyncWaitsForRoomWithoutBlockingTheCaller()
    {
        await using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1 });
        using var gate = SharedEvent.Create();
        Task first = pool.Submit(static (SharedEvent g) => g.Hold(), gate);

        // Ten chunks, room for one: the call returns at once, and the rest wait for room as the worker frees it.
        Task<int[]> map = pool.MapAsync(static (int x) => x + 1, Enumerable.Range(0, 10), chunkSize: 1);
        Assert.False(map.IsCompleted);

        gate.Set();
        Assert.Equal(Enumerable.Range(1, 10), await map.WaitAsync(Within.Deadline));
        await first;
    }

    [Fact]
    public void BoundedQueue_WithThrow_FailsAMapThatDoesNotFit()
    {
        using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1, WhenQueueFull = QueueFullBehavior.Throw });
        using var gate = SharedEvent.Create();
        Task first = pool.Submit(static (SharedEvent g) => g.Hold(), gate);

        Assert.Throws<QueueFullException>(() => pool.Map(static (int x) => x, Enumerable.Range(0, 10), chunkSize: 1));

        gate.Set();
        first.EndsOrFail("the first task");
    }

    [Fact]
    public async Task TaskTimeout_FailsALongTaskWithTimeoutException_AndAnotherWorkerTakesItsPlace()
    {
        await using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, TaskTimeout = PoolTestSupport.Short });
        using var gate = SharedEvent.Create();
        using var abandonedEnded = SharedEvent.Create();

        Task<long> slow = pool.Submit(
            static (SharedEvent g, SharedEvent ended) =>
            {
                g.Hold();
                ended.Set();
                return WorkerId();
            },
            gate,
            abandonedEnded);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => slow);

        // The pool's only place went to a new worker. (The message then says what became of the old one: abandoned
        // or killed; only a thread pool's names PoolOptions.TaskTimeout.)
        Assert.Contains("ran longer than its timeout of", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(7, await pool.Submit(static () => 7));
        Assert.Equal(TimedOutTasksReplaceTheirWorker ? 2L : 1L, pool.Counters.WorkersStarted);
        Assert.Equal(1, pool.Counters.WorkersAlive);
        Assert.False(abandonedEnded.IsSet);

        gate.Set();
        if (StoppedTasksStopRunning)
        {
            Assert.False(abandonedEnded.TryWait(PoolTestSupport.Short)); // its worker was killed
        }
        else
        {
            abandonedEnded.WaitOrFail("the abandoned delegate"); // a thread runs its delegate to the end
        }

        PoolTestSupport.Eventually(() => pool.Counters.Running == 0, () => "no task running");
        PoolCounters c = pool.Counters;
        Assert.Equal((1L, 1L, 0), (c.Completed, c.Failed, c.Running));
    }

    [Fact]
    public void TaskTimeout_ForMapChunks_FailsTheMap()
    {
        using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, TaskTimeout = PoolTestSupport.Short });
        using var gate = SharedEvent.Create();

        Assert.Throws<TimeoutException>(() => pool.Map(HoldingAt(-1, gate), [1, 2], chunkSize: 2));

        gate.Set();
    }

    [Fact]
    public async Task TasksThatEndInTime_AreNotTimedOut()
    {
        await using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 2, TaskTimeout = Within.Deadline });

        int[] results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => pool.Submit(static (int x) => x, i)));

        Assert.Equal(Enumerable.Range(0, 1000), results);
        Assert.Equal(0L, pool.Counters.Failed);
    }

    [Fact]
    public async Task Cancelling_AQueuedTask_CancelsItAtOnce_AndItNeverRuns()
    {
        await using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        using var cts = new CancellationTokenSource();
        using SharedValue<int> ran = SharedValue.Create(0);
        Task first = StartHeld(pool, started, gate);
        Task<int> queued = pool.Submit(static (SharedValue<int> n) => n.Add(1), ran, cts.Token);

        await cts.CancelAsync();

        Assert.True(queued.IsCanceled); // while the only worker is still held
        Assert.Equal(0L, pool.Counters.Queued);
        gate.Set();
        await first;
        pool.CloseAndJoinOrFail();
        Assert.Equal(0, ran.Value);
        Assert.Equal(1L, pool.Counters.Failed);
    }

    [Fact]
    public void Submitting_WithACancelledToken_GivesACancelledTask()
    {
        using WorkerPool pool = CreatePool(1);
        using SharedValue<int> ran = SharedValue.Create(0);

        Task<int> task = pool.Submit(static (SharedValue<int> n) => n.Add(1), ran, new CancellationToken(true));

        Assert.True(task.IsCanceled);
        Assert.ThrowsAny<OperationCanceledException>(() => pool.Apply(static (SharedValue<int> n) => n.Add(1), ran, new CancellationToken(true)));
        Assert.Equal(0, ran.Value);
    }

    [Fact]
    public async Task CancellingARunningTask_StopsIt_OnlyWhereTheWorkerCanBeStopped()
    {
        await using WorkerPool pool = CreatePool(1);
        using var cts = new CancellationTokenSource();
        using var started = SharedEvent.Create();
        using var gate = SharedEvent.Create();

        Task<int> task = pool.Submit(
            static (SharedEvent s, SharedEvent g) =>
            {
                s.Set();
                g.Hold();
                return 7;
            },
            started,
            gate,
            cts.Token);
        started.WaitOrFail("the task");
        await cts.CancelAsync();

        if (CancellingStopsARunningTask)
        {
            // Its worker is stopped (the gate stays shut) and replaced.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Within.Deadline));
            Assert.True(task.IsCanceled);
            gate.Set();
        }
        else
        {
            Assert.False(task.IsCompleted);
            gate.Set();
            Assert.Equal(7, await task.WaitAsync(Within.Deadline));
        }

        Assert.Equal(3, pool.Apply(static () => 3));
    }

    [Fact]
    public virtual async Task TasksCancelledByTheThousand_AreEachCountedOnce()
    {
        await using WorkerPool pool = CreatePool(2);
        var results = new List<TaskStatus>();
        using var cts = new CancellationTokenSource();

        Task<int>[] tasks = [.. Enumerable.Range(0, 5000).Select(i => pool.Submit(static (int x) => x, i, cts.Token))];
        await cts.CancelAsync();
        foreach (Task<int> t in tasks)
        {
            t.EndsOrFail("a task");
            results.Add(t.Status);
        }

        PoolCounters c = pool.Counters;
        Assert.Equal(results.Count(s => s == TaskStatus.RanToCompletion), c.Completed);
        Assert.Equal(results.Count(s => s == TaskStatus.Canceled), c.Failed);
        Assert.Equal((0L, 0), (c.Queued, c.Running));
    }

    [Fact]
    public void Counters_CountQueuedRunningCompletedAndFailedTasks()
    {
        using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        Task blocked = StartHeld(pool, started, gate);
        Task<int> second = pool.Submit(static () => 2);
        Task<int> third = pool.Submit(static () => 3);
        Task<int> failing = pool.Submit(static int () => throw new InvalidOperationException());

        PoolCounters during = pool.Counters;
        Assert.Equal((1, 0, 1L, 3L, 1, 0L, 0L), (during.WorkersAlive, during.WorkersIdle, during.WorkersStarted, during.Queued, during.Running, during.Completed, during.Failed));

        gate.Set();
        failing.EndsOrFail("the failing task");
        PoolTestSupport.AllEndOrFail(blocked, second, third);
        PoolCounters after = pool.Counters;
        Assert.Equal((0L, 0, 3L, 1L), (after.Queued, after.Running, after.Completed, after.Failed));
    }

    [Fact]
    public void MaxTasksPerWorker_ReplacesTheWorker_AfterThatManyTasks()
    {
        if (!SupportsMaxTasksPerWorker)
        {
            var refused = Assert.Throws<ArgumentException>(() => CreatePool(new PoolOptions { WorkerCount = 1, MaxTasksPerWorker = 3 }));
            Assert.Contains("MaxTasksPerWorker", refused.Message, StringComparison.Ordinal);
            return;
        }

        using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 1, MaxTasksPerWorker = 3 });

        long[] workers = [.. Enumerable.Range(0, 9).Select(_ => pool.Apply(static () => WorkerId()))];

        Assert.Equal(3, workers.Distinct().Count());
        Assert.All(workers.Chunk(3), run => Assert.Single(run.Distinct()));
        Assert.Equal(3L, pool.Counters.WorkersStarted);
        Assert.Equal(9L, pool.Counters.Completed);
    }

    /// <summary>
    /// Python's <c>maxtasksperchild</c> counts the tasks a worker runs, however they came: tasks submitted at once
    /// (which a process pool sends ahead to its workers) must not run in a worker past its limit.
    /// </summary>
    [Fact]
    public void MaxTasksPerWorker_HoldsForTasksSubmittedAllAtOnce()
    {
        if (!SupportsMaxTasksPerWorker)
        {
            return; // refused: see MaxTasksPerWorker_ReplacesTheWorker_AfterThatManyTasks
        }

        using WorkerPool pool = CreatePool(new PoolOptions { WorkerCount = 2, MaxTasksPerWorker = 2 });

        long[] workers = pool.Map(static (int _) => WorkerId(), Enumerable.Range(0, 12), chunkSize: 1);
        long[] submitted = [.. Enumerable.Range(0, 12).Select(_ => pool.Submit(static () => WorkerId())).ToArray().Select(t => t.ResultOrFail())];

        Assert.All(workers.Concat(submitted).CountBy(w => w), ran => Assert.True(ran.Value <= 2, $"a worker ran {ran.Value} tasks (limit 2)"));
        Assert.Equal(24L, pool.Counters.Completed);
    }

    /// <summary>
    /// Submits a task that says it started, then holds its worker until <paramref name="gate"/> opens; returns once
    /// it runs and the pool counts it running (a process pool learns it from its worker's pipe, a moment after the
    /// task itself has begun: until then it still holds a place in the bounded queue).
    /// </summary>
    private static Task<int> StartHeld(WorkerPool pool, SharedEvent started, SharedEvent gate)
    {
        Task<int> task = pool.Submit(
            static (SharedEvent s, SharedEvent g) =>
            {
                s.Set();
                g.Hold();
                return 0;
            },
            started,
            gate);
        started.WaitOrFail("the first task");
        Handoff.Until(() => pool.Counters.Running == 1, "the pool counts the first task running");
        return task;
    }

    /// <summary>The identity function, except that item <paramref name="item"/> (every item if -1) first waits for <paramref name="gate"/>; its own closure, with these two only.</summary>
    private static Func<int, int> HoldingAt(int item, SharedEvent gate) => x =>
    {
        if (item == -1 || x == item)
        {
            gate.Hold();
        }

        return x;
    };
}
