using Multiprocessing.Tests.Dashboard;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// The snapshot API that dashboards read (<see cref="WorkerPool.GetWorkers"/>, <see cref="WorkerPool.GetRecentTasks"/>,
/// <see cref="ProcessPool.KillWorker"/>, <see cref="ProcessPool.CancelQueuedTask"/>, <see cref="LiveObjects"/>), with real worker processes.
/// </summary>
public sealed class PoolSnapshotTests
{
    [Fact]
    public async Task GetWorkers_ListsTheLiveWorkerPids_AndTheRunningTask()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2, Name = $"snap-{Guid.NewGuid():N}" });
        using var started = SharedEvent.Create();
        using var release = SharedEvent.Create();
        Task<int> busy = pool.Submit(WaitFor, started, release);
        started.WaitOrFail("the running task");

        IReadOnlyList<PoolWorkerInfo> workers = pool.GetWorkers();
        Assert.Equal(pool.WorkerPids.Order(), workers.Select(w => w.Pid!.Value).Order());
        PoolWorkerInfo running = Assert.Single(workers, w => w.State == PoolWorkerState.Busy);
        Assert.NotNull(running.CurrentTaskId);
        Assert.True(running.CurrentTaskElapsed >= TimeSpan.Zero);
        Assert.Contains(pool, LiveObjects.Pools());

        release.Set();
        Assert.Equal(1, await busy.WaitAsync(Within.Deadline));
    }

    [Fact]
    public async Task GetRecentTasks_RecordsFromTheFirstCallOn_SuccessesAndFailures_WithTheRemoteStackTrace()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2 });
        await pool.MapAsync(static (int x) => x, Enumerable.Range(0, 5), chunkSize: 1).WaitAsync(Within.Deadline);
        Assert.Empty(pool.GetRecentTasks()); // Not recording until asked: those five cost no record.

        int[] squares = await pool.MapAsync(static (int x) => x * x, Enumerable.Range(0, 10), chunkSize: 1).WaitAsync(Within.Deadline);
        await Assert.ThrowsAsync<RemoteException>(() => pool.Submit(Throws, 7).WaitAsync(Within.Deadline));

        IReadOnlyList<PoolTaskRecord> records = pool.GetRecentTasks();
        Assert.Equal(10, records.Count(r => r.Outcome == PoolTaskOutcome.Succeeded));
        PoolTaskRecord failed = Assert.Single(records, r => r.Outcome == PoolTaskOutcome.Failed);
        Assert.Contains("task 7 fails", failed.Error, StringComparison.Ordinal);
        Assert.Contains(nameof(Throws), failed.Error, StringComparison.Ordinal); // the remote stack trace
        Assert.Contains(failed.Pid!.Value, pool.WorkerPids);
        Assert.Equal(pool.Counters.Completed - 5, records.Count(r => r.Outcome == PoolTaskOutcome.Succeeded));
        Assert.Equal(285, squares.Sum());
    }

    [Fact]
    public async Task ThreadPool_GetRecentTasks_RecordsFromTheFirstCallOn_WithOutcomesWorkersAndDurations()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 2, Name = $"threads-{Guid.NewGuid():N}", TaskTimeout = TimeSpan.FromSeconds(30) });
        await pool.MapAsync(static (int x) => x, Enumerable.Range(0, 5), chunkSize: 1).WaitAsync(Within.Deadline);
        Assert.Empty(pool.GetRecentTasks()); // Not recording until asked: those five cost no record.

        int[] squares = await pool.MapAsync(static (int x) => x * x, Enumerable.Range(0, 10), chunkSize: 1).WaitAsync(Within.Deadline);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Submit(static () => Throws(3)).WaitAsync(Within.Deadline));
        using var cancel = new CancellationTokenSource();
        Task<int> cancelled = pool.Submit(static (CancellationToken t) => { t.WaitHandle.WaitOne(); t.ThrowIfCancellationRequested(); return 0; }, cancel.Token, cancel.Token); // the token as its argument, and as the submission's
        using (var started = new CancellationTokenSource(TestApp.Patience))
        {
            while (pool.Counters.Running == 0)
            {
                await Task.Delay(5, started.Token);
            }
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Within.Deadline));

        IReadOnlyList<PoolTaskRecord> records = pool.GetRecentTasks();
        Assert.Equal(10, records.Count(r => r.Outcome == PoolTaskOutcome.Succeeded));
        PoolTaskRecord failed = Assert.Single(records, r => r.Outcome == PoolTaskOutcome.Failed);
        Assert.Contains("task 3 fails", failed.Error, StringComparison.Ordinal);
        Assert.Single(records, r => r.Outcome == PoolTaskOutcome.Cancelled);
        Assert.All(records, r => Assert.StartsWith(pool.Name + " thread ", r.Worker, StringComparison.Ordinal));
        Assert.All(records, r => Assert.Null(r.Pid));
        Assert.All(records, r => Assert.True(r.Duration >= TimeSpan.Zero && r.StartedAt <= DateTimeOffset.UtcNow));
        Assert.Equal(12, records.Select(r => r.TaskId).Distinct().Count());
        Assert.Equal(285, squares.Sum());
    }

    [Fact]
    public async Task KillWorker_ReplacesTheWorker_FailsItsTask_AndCountsTheRestart()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        using var started = SharedEvent.Create();
        using var release = SharedEvent.Create();
        Task<int> busy = pool.Submit(WaitFor, started, release);
        started.WaitOrFail("the running task");
        int victim = Assert.Single(pool.WorkerPids);
        _ = pool.GetRecentTasks(); // records from now on

        Assert.False(pool.KillWorker(Environment.ProcessId), "KillWorker signalled a process that is not its worker");
        Assert.True(pool.KillWorker(victim));

        await Assert.ThrowsAsync<ProcessDiedException>(() => busy.WaitAsync(Within.Deadline));
        Assert.Equal(9, await pool.Submit(static () => 9).WaitAsync(Within.Deadline)); // the pool still works
        PoolWorkerInfo replacement = Assert.Single(pool.GetWorkers());
        Assert.NotEqual(victim, replacement.Pid);
        Assert.Equal(1, replacement.Restarts);
        Assert.Equal(-9, replacement.LastExitCode);
        Assert.Contains(pool.GetRecentTasks(), r => r.Outcome == PoolTaskOutcome.WorkerDied && r.Pid == victim);
    }

    [Fact]
    public async Task CancelQueuedTask_CancelsAWaitingTask_AndItNeverRuns()
    {
        using HeldWorkerPool held = await HeldWorkerPool.Start(); // Its Dispose releases the held task, should an assertion fail.
        ProcessPool pool = held.Pool;
        (Task<int> waiting, long id, SharedEvent ran) = held.Queue(2);

        Assert.Equal([id], pool.GetQueuedTaskIds()); // Not the running task: its worker claimed it, whether or not the pool has read its "ready".
        Assert.True(pool.CancelQueuedTask(id));
        Assert.False(pool.CancelQueuedTask(id), "a task was cancelled twice");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));
        held.Release();
        Assert.Equal(1, await held.Running.WaitAsync(Within.Deadline));
        Assert.Equal(3, await pool.Submit(static () => 3).WaitAsync(Within.Deadline));
        Assert.False(ran.IsSet, "the cancelled task ran");
        Assert.Empty(pool.GetQueuedTaskIds());
    }

    [Fact]
    public void LiveObjects_ListsAnOpenQueue_WithItsItems_UntilItIsDisposed()
    {
        var queue = SharedQueue.Create<string>();
        queue.Put("a");
        queue.Put("bb");
        SharedQueueInfo info = Assert.Single(LiveObjects.Queues(), q => q.Name == queue.Name);
        Assert.Equal(2, info.Count);
        Assert.True(info.Bytes > 0);
        Assert.True(LiveObjects.SegmentsOpen >= 1);

        queue.Dispose();
        Assert.DoesNotContain(LiveObjects.Queues(), q => q.Name == queue.Name);
    }

    [Fact]
    public void ThreadWorkerPool_GetWorkers_ListsItsThreads_WithoutPids()
    {
        using var pool = new ThreadWorkerPool(2);
        Assert.Equal(45, pool.Map(static (int x) => x, Enumerable.Range(0, 10)).Sum());
        IReadOnlyList<PoolWorkerInfo> workers = pool.GetWorkers();
        Assert.NotEmpty(workers);
        Assert.All(workers, w => Assert.Null(w.Pid));
        Assert.Equal(pool.Counters.WorkersAlive, workers.Count);
    }

    private static int WaitFor(SharedEvent started, SharedEvent release)
    {
        started.Set();
        release.Wait();
        return 1;
    }

    private static int Throws(int x) => throw new InvalidOperationException($"task {x} fails");
}
