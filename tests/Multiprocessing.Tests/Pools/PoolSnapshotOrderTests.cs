using System.Reflection;
using Multiprocessing.Tests.Dashboard;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// Which tasks a <see cref="ProcessPool"/>'s snapshot lists as waiting (<see cref="ProcessPool.GetQueuedTaskIds"/>, what
/// the dashboard's cancel buttons act on), and in what order, with real worker processes.
/// </summary>
public sealed class PoolSnapshotOrderTests
{
    /// <summary>
    /// A worker runs its first task as soon as it has said "ready", and the pool may read that "ready" later: the task
    /// runs while, as far as the pool's own bookkeeping goes, it has not started. The worker claims the task in the
    /// shared claim table before it runs it, and the snapshot goes by that claim.
    /// </summary>
    /// <remarks>
    /// The test holds the pool's lock (the pool reads no frame of its worker meanwhile) from before the worker says
    /// "ready" (its initializer waits for <c>go</c>) until it has asked its questions: the window of the race, held open.
    /// </remarks>
    [Fact]
    public async Task ATaskItsWorkerRuns_BeforeThePoolReadItsReady_IsRunning_NotWaiting()
    {
        using var initializing = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using var started = SharedEvent.Create();
        using var release = SharedEvent.Create();
        using var ran = SharedEvent.Create();
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, Initializer = PoolTestSupport.InitializerWaitingFor(initializing, go) });
        try
        {
            initializing.WaitOrFail("the worker's initializer");
            Task<int> busy;
            Task<int> waiting;
            long waitingId;
            lock (LockOf(pool))
            {
                busy = pool.Submit(HeldWorkerPool.HoldUntilReleased, started, release);
                long busyId = Assert.Single(pool.GetQueuedTaskIds()); // Sent to a worker that is not ready: it waits.
                waiting = pool.Submit(HeldWorkerPool.SetAndReturn, ran, 2);
                waitingId = Assert.Single(pool.GetQueuedTaskIds().Except([busyId]));
                go.Set();
                started.WaitOrFail("the first task"); // It runs; its worker's "ready" is still unread.

                Assert.Equal([waitingId], pool.GetQueuedTaskIds());
                PoolWorkerInfo worker = Assert.Single(pool.GetWorkers());
                Assert.Equal((PoolWorkerState.Busy, (long?)busyId, TimeSpan.Zero), (worker.State, worker.CurrentTaskId, worker.CurrentTaskElapsed));
                Assert.False(pool.CancelQueuedTask(busyId), "the running task was cancelled as a waiting one");
                Assert.True(pool.CancelQueuedTask(waitingId));
            }

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));
            Assert.False(busy.IsCompleted, $"the running task ended ({busy.Status}) when the waiting one was cancelled");
            release.Set();
            Assert.Equal(1, await busy.WaitAsync(Within.Deadline));
            Assert.Equal(3, await pool.Submit(static () => 3).WaitAsync(Within.Deadline)); // one worker, in order: the cancelled task would have run before this one
            Assert.False(ran.IsSet, "the cancelled task ran");
            Assert.Empty(pool.GetQueuedTaskIds());
        }
        finally
        {
            go.Set();
            release.Set(); // Else, should an assertion fail, the pool's Dispose would wait for ever for the held task.
        }
    }

    /// <summary>
    /// With the one worker busy, the first task submitted behind it goes into the worker's pipe (it holds two tasks) and
    /// the second stays in the pool's queue: the snapshot lists them in the order they were submitted all the same.
    /// </summary>
    [Fact]
    public async Task GetQueuedTaskIds_ListsTheOldestFirst_WhereverTheTasksWait()
    {
        using HeldWorkerPool held = await HeldWorkerPool.Start();
        (Task<int> first, long firstId, _) = held.Queue(2);
        (Task<int> second, long secondId, _) = held.Queue(4);
        Assert.True(firstId < secondId, $"task ids are not given in submission order: {firstId}, then {secondId}");

        Assert.Equal([firstId, secondId], held.Pool.GetQueuedTaskIds());
        Assert.Equal([firstId], held.Pool.GetQueuedTaskIds(max: 1));
        Assert.Empty(held.Pool.GetQueuedTaskIds(max: 0));

        held.Release();
        Assert.Equal((1, 2, 4), (await held.Running.WaitAsync(Within.Deadline), await first.WaitAsync(Within.Deadline), await second.WaitAsync(Within.Deadline)));
        Assert.Empty(held.Pool.GetQueuedTaskIds());
    }

    /// <summary>The pool's lock, which its reader threads take to handle what a worker sent.</summary>
    private static Lock LockOf(ProcessPool pool) =>
        (Lock)typeof(ProcessPool).GetField("gate", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(pool)!;
}
