using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>ThreadWorkerPool: a bounded queue (wait or throw), the per-task timeout, and cancellation.</summary>
public sealed class ThreadWorkerPoolLimitsTests
{
    [Fact]
    public void BoundedQueue_WithThrow_RefusesATaskWhenFull_AndTakesOneAgainOnceATaskStarts()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 2, WhenQueueFull = QueueFullBehavior.Throw });
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        Task first = pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
        });
        started.WaitOrFail("the first task"); // running, so no longer in the queue
        Task<int> second = pool.Submit(() => 2);
        Task<int> third = pool.Submit(() => 3);

        var full = PoolTestSupport.Refuses<QueueFullException>(() => pool.Submit(() => 4));
        Assert.Contains("MaxQueuedTasks", full.Message, StringComparison.Ordinal);
        Assert.Equal(2L, pool.Counters.Queued);

        gate.Set();
        Assert.Equal((2, 3), (second.ResultOrFail(), third.ResultOrFail()));
        Assert.Equal(5, pool.Apply(() => 5));
        first.EndsOrFail("the first task");
    }

    [Fact]
    public void BoundedQueue_WithWait_BlocksTheSubmitterUntilATaskStarts()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1 });
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        Task first = pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
        });
        started.WaitOrFail("the first task");
        Task<int> second = pool.Submit(() => 2);

        Task<int> submitting = Task.Run(() => pool.Submit(() => 3));
        Assert.False(submitting.EndsWithin(PoolTestSupport.Short)); // the queue is full: Submit waits

        gate.Set();
        Assert.Equal(3, submitting.ResultOrFail());
        Assert.Equal(2, second.ResultOrFail());
        first.EndsOrFail("the first task");
    }

    [Fact]
    public void BoundedQueue_ASubmitterWaitingForRoom_IsRefusedWhenThePoolCloses()
    {
        var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1 });
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
        });
        started.WaitOrFail("the first task");
        pool.Submit(() => 2);
        Task<int> submitting = Task.Run(() => pool.Submit(() => 3));
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
        await using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1 });
        using var gate = new ManualResetEventSlim();
        Task first = pool.Submit(gate.Hold);

        // Ten chunks, room for one: the call returns at once, and the rest wait for room as the thread frees it.
        Task<int[]> map = pool.MapAsync((int x) => x + 1, Enumerable.Range(0, 10), chunkSize: 1);
        Assert.False(map.IsCompleted);

        gate.Set();
        Assert.Equal(Enumerable.Range(1, 10), await map.WaitAsync(Within.Deadline));
        await first;
    }

    [Fact]
    public void BoundedQueue_WithThrow_FailsAMapThatDoesNotFit()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MaxQueuedTasks = 1, WhenQueueFull = QueueFullBehavior.Throw });
        using var gate = new ManualResetEventSlim();
        Task first = pool.Submit(gate.Hold);

        Assert.Throws<QueueFullException>(() => pool.Map((int x) => x, Enumerable.Range(0, 10), chunkSize: 1));

        gate.Set();
        first.EndsOrFail("the first task");
    }

    [Fact]
    public async Task TaskTimeout_FailsALongTaskWithTimeoutException_AndAnotherThreadTakesItsPlace()
    {
        await using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, TaskTimeout = PoolTestSupport.Short });
        using var gate = new ManualResetEventSlim();
        using var abandonedEnded = new ManualResetEventSlim();
        string? longTaskThread = null;

        Task<int> slow = pool.Submit(() =>
        {
            longTaskThread = Thread.CurrentThread.Name;
            gate.Hold();
            abandonedEnded.Set();
            return 1;
        });
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => slow);

        // The abandoned thread is still held by the gate; the pool's only place went to a new thread.
        Assert.Contains("PoolOptions.TaskTimeout", timeout.Message, StringComparison.Ordinal);
        string? nextThread = await pool.Submit(() => Thread.CurrentThread.Name);
        Assert.NotEqual(longTaskThread, nextThread);
        Assert.Equal(2L, pool.Counters.WorkersStarted);
        Assert.Equal(1, pool.Counters.WorkersAlive);
        Assert.False(abandonedEnded.IsSet);

        gate.Set();
        abandonedEnded.WaitOrFail("the abandoned delegate");
        PoolCounters c = pool.Counters;
        Assert.Equal((1L, 1L, 0), (c.Completed, c.Failed, c.Running));
    }

    [Fact]
    public void TaskTimeout_ForMapChunks_FailsTheMap()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, TaskTimeout = PoolTestSupport.Short });
        using var gate = new ManualResetEventSlim();

        Assert.Throws<TimeoutException>(() => pool.Map((int x) => { gate.Hold(); return x; }, [1, 2], chunkSize: 2));

        gate.Set();
    }

    [Fact]
    public async Task TasksThatEndInTime_AreNotTimedOut()
    {
        await using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 2, TaskTimeout = Within.Deadline });

        int[] results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => pool.Submit(() => i)));

        Assert.Equal(Enumerable.Range(0, 1000), results);
        Assert.Equal(0L, pool.Counters.Failed);
    }

    [Fact]
    public async Task Cancelling_AQueuedTask_CancelsItAtOnce_AndItNeverRuns()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        int ran = 0;
        Task first = pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
        });
        started.WaitOrFail("the first task");
        Task<int> queued = pool.Submit(() => Interlocked.Increment(ref ran), cts.Token);

        await cts.CancelAsync();

        Assert.True(queued.IsCanceled); // while the only thread is still held
        Assert.Equal(0L, pool.Counters.Queued);
        gate.Set();
        await first;
        pool.CloseAndJoinOrFail();
        Assert.Equal(0, ran);
        Assert.Equal(1L, pool.Counters.Failed);
    }

    [Fact]
    public void Submitting_WithACancelledToken_GivesACancelledTask()
    {
        using var pool = new ThreadWorkerPool(1);
        int ran = 0;

        Task<int> task = pool.Submit(() => Interlocked.Increment(ref ran), new CancellationToken(true));

        Assert.True(task.IsCanceled);
        Assert.ThrowsAny<OperationCanceledException>(() => pool.Apply(() => Interlocked.Increment(ref ran), new CancellationToken(true)));
        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task ARunningTask_ThatObservesItsToken_EndsCancelled()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var cts = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();

        Task<int> task = pool.Submit(
            () =>
            {
                started.Set();
                cts.Token.WaitHandle.WaitOne(Within.Deadline);
                cts.Token.ThrowIfCancellationRequested();
                return 0;
            },
            cts.Token);
        started.WaitOrFail("the task");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(task.IsCanceled);
    }

    [Fact]
    public async Task ARunningTask_IsNotInterruptedByItsToken()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var cts = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();

        Task<int> task = pool.Submit(
            () =>
            {
                started.Set();
                gate.Hold();
                return 7;
            },
            cts.Token);
        started.WaitOrFail("the task");
        await cts.CancelAsync();
        Assert.False(task.IsCompleted);
        gate.Set();

        Assert.Equal(7, await task);
    }

    [Fact]
    public async Task TasksCancelledByTheThousand_AreEachCountedOnce()
    {
        await using var pool = new ThreadWorkerPool(2);
        var results = new ConcurrentBag<TaskStatus>();
        using var cts = new CancellationTokenSource();

        Task<int>[] tasks = [.. Enumerable.Range(0, 5000).Select(i => pool.Submit(() => i, cts.Token))];
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
}
