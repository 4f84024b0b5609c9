using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// <see cref="ProcessPool.TerminateWorkers"/> and <see cref="ProcessPool.KillWorkers"/> (Python 3.14's
/// <c>ProcessPoolExecutor.terminate_workers()</c> / <c>kill_workers()</c>), with real worker processes: the workers
/// stop now, every task queued or running fails, the pool refuses new work, and Join and Dispose return.
/// </summary>
public sealed class ProcessPoolStopWorkersTests
{
    [Fact]
    public async Task TerminateWorkers_SendsSigterm_FailsTheRunningAndPendingTasks_RunsNoneOfThem_AndRefusesNewWork()
    {
        // The running task watches TerminationToken, so SIGTERM does not end its worker: the task returns, and the
        // worker, still alive, must skip the tasks it holds in its pipe (they have failed) until the grace period's kill.
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = TimeSpan.FromSeconds(1) });
        using var started = SharedEvent.Create();
        using var termSeen = SharedEvent.Create();
        using var ranAnyway = SharedEvent.Create();
        Task<int> running = pool.Submit(PoolTestSupport.ReturnsOnSigterm, started, termSeen);
        Task<int>[] pending = [.. Enumerable.Range(0, 4).Select(_ => pool.Submit(static (SharedEvent ran) => { ran.Set(); return 2; }, ranAnyway))];
        started.WaitOrFail("the running task");

        pool.TerminateWorkers();

        foreach (Task<int> task in pending.Prepend(running))
        {
            PoolTerminatedException e = await Assert.ThrowsAsync<PoolTerminatedException>(() => task.WaitAsync(Within.Deadline));
            Assert.Contains("TerminateWorkers()", e.Message, StringComparison.Ordinal);
        }

        Assert.True(termSeen.TryWait(Within.Deadline), "the worker did not get SIGTERM");
        InvalidOperationException refused = PoolTestSupport.Refuses<InvalidOperationException>(() => pool.Submit(static () => 3));
        Assert.Contains("TerminateWorkers()", refused.Message, StringComparison.Ordinal);
        Assert.True(pool.Join(Within.Deadline), "the worker that outlived SIGTERM was not killed after the grace period");
        Assert.False(ranAnyway.IsSet, "a task that TerminateWorkers failed ran anyway");

        Assert.Empty(pool.WorkerPids);
        PoolCounters c = pool.Counters;
        Assert.Equal((0, 0L, 0, 0L, 5L), (c.WorkersAlive, c.Queued, c.Running, c.Completed, c.Failed));
    }

    [Fact]
    public async Task KillWorkers_WithAMapInFlight_FailsTheMap_AndEveryWorkerIsGone()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2 });
        using var busy = SharedValue.Create(0);
        using var bothBusy = SharedEvent.Create();
        Task<int[]> map = Task.Run(() => pool.Map(
            (int x) =>
            {
                if (busy.Add(1) == 2)
                {
                    bothBusy.Set();
                }

                Thread.Sleep(Timeout.Infinite); // Only SIGKILL ends it: it neither returns nor watches SIGTERM.
                return x;
            },
            Enumerable.Range(0, 50),
            chunkSize: 1));
        bothBusy.WaitOrFail("both workers in the map");

        pool.KillWorkers();

        PoolTerminatedException e = await Assert.ThrowsAsync<PoolTerminatedException>(() => map.WaitAsync(Within.Deadline));
        Assert.Contains("KillWorkers()", e.Message, StringComparison.Ordinal);
        Assert.True(pool.Join(Within.Deadline), "the killed workers were not seen gone");
        Assert.Empty(pool.WorkerPids);
        Assert.Equal(0, pool.Counters.WorkersAlive);
        Assert.Equal(0, pool.Counters.Running);
        Assert.Contains("KillWorkers()", Assert.Throws<InvalidOperationException>(() => pool.Map(static (int x) => x, [1])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TerminateWorkers_AfterClose_FailsTheTaskStillRunning_ThenDisposeReturns_AndLaterCallsDoNothing()
    {
        // Its task sleeps without watching TerminationToken: SIGTERM ends the worker at once. A grace period of
        // for ever shows that nothing waits for a kill here.
        var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = Timeout.InfiniteTimeSpan });
        using var started = SharedEvent.Create();
        Task<int> running = pool.Submit(
            static (SharedEvent s) =>
            {
                s.Set();
                Thread.Sleep(Timeout.Infinite);
                return 0;
            },
            started);
        started.WaitOrFail("the running task");
        pool.Close();

        pool.TerminateWorkers();

        await Assert.ThrowsAsync<PoolTerminatedException>(() => running.WaitAsync(Within.Deadline));
        Within.Returns(pool.Dispose, "Dispose after TerminateWorkers");
        pool.TerminateWorkers();
        pool.KillWorkers();
        pool.Terminate();
        PoolTestSupport.Refuses<ObjectDisposedException>(() => pool.Submit(static () => 1));
    }
}
