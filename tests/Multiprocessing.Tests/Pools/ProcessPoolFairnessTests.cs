using System.Diagnostics;
using Multiprocessing.Interop;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// ProcessPool: no task waits behind a running task while a worker is idle. A worker holds tasks ahead of the
/// one it runs; when that one turns out long, an idle worker takes what it holds and has not started, exactly once.
/// </summary>
public sealed class ProcessPoolFairnessTests
{
    /// <summary>The bar: with one of two workers busy, small work finishes in about the time one worker needs (it took 14.5 s behind a 15 s task).</summary>
    private static readonly TimeSpan Bar = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task AWorkerThatWaitsForACore_IsSentAsManyTasksAhead_AsItsTasksRunShort()
    {
        // How many tasks a worker holds ahead is about a millisecond of its recent tasks. It was measured from when
        // a task became the worker's head to when its result came back: on a busy machine that is mostly the
        // worker and the pool's reader waiting for a core, so the busier the machine the fewer tasks ahead (2),
        // each task then costing two wake-ups: 52 one-item tasks a second at load 30, and a Close racing
        // submissions took more than 30 s to drain. The worker now says how long each task ran in it.
        using var pool = new ProcessPool(1);
        Func<int, int> identity = static x => x; // One function, so that the stalled task's first call compiles nothing.
        Assert.Equal(Enumerable.Range(0, 100), await Task.WhenAll(Enumerable.Range(0, 100).Select(i => pool.Submit(identity, i))));
        int before = pool.WorkerDepths.Single();
        Assert.True(before >= 32, $"after 100 trivial tasks the worker may hold only {before} tasks ahead");

        // The worker waits 300 ms for a core (stopped) with a trivial task in its pipe.
        int pid = pool.WorkerPids.Single();
        Assert.Equal(0, Libc.Kill(pid, Libc.SIGSTOP));
        Handoff.Until(() => File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('T'), "the worker is stopped");
        Task<int> stalled = pool.Submit(identity, 7);
        Thread.Sleep(300);
        Assert.Equal(0, Libc.Kill(pid, Libc.SIGCONT));
        Assert.Equal(7, await stalled.WaitAsync(Within.Deadline));

        int after = pool.WorkerDepths.Single();
        Assert.True(after >= before / 2, $"a trivial task that waited 300 ms for a core cut the tasks ahead from {before} to {after}");
    }

    [Fact]
    public async Task BehindAnEndlessTask_AMapOfTrivialItems_FinishesOnTheIdleWorker()
    {
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        try
        {
            using var started = SharedEvent.Create();
            Task<int> endless = StartEndlessTask(pool, started);

            var clock = Stopwatch.StartNew();
            Task<int[]> map = pool.MapAsync(static (int x) => x + 1, Enumerable.Range(0, 10));
            Assert.True(map.EndsWithin(Within.Deadline), "a map of 10 trivial items waited behind the endless task");
            Assert.Equal(Enumerable.Range(1, 10), await map);
            Assert.True(clock.Elapsed < Bar, $"a map of 10 trivial items took {clock.Elapsed.TotalSeconds:F2} s with one worker idle");
            Assert.False(endless.IsCompleted);
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    [Fact]
    public async Task BehindAnEndlessTask_TenSubmits_FinishOnTheIdleWorker()
    {
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        try
        {
            using var started = SharedEvent.Create();
            Task<int> endless = StartEndlessTask(pool, started);

            var clock = Stopwatch.StartNew();
            Task<int>[] submits = [.. Enumerable.Range(0, 10).Select(i => pool.Submit(static (int x) => x * 2, i))];
            Task<int[]> all = Task.WhenAll(submits);
            Assert.True(all.EndsWithin(Within.Deadline), "10 trivial submits waited behind the endless task");
            Assert.Equal(Enumerable.Range(0, 10).Select(x => x * 2), await all);
            Assert.True(clock.Elapsed < Bar, $"10 trivial submits took {clock.Elapsed.TotalSeconds:F2} s with one worker idle");
            Assert.False(endless.IsCompleted);
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    [Fact]
    public async Task WithOneOfTwoWorkersBusyFor15Seconds_SmallWorkFinishesInUnder2Seconds()
    {
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        try
        {
            using var started = SharedEvent.Create();
            Warm(pool);
            Task<int> busy = pool.Submit(static (SharedEvent s) =>
            {
                s.Set();
                Thread.Sleep(15_000);
                return 15;
            }, started);
            Assert.True(started.TryWait(Within.Deadline), "the long task did not start");

            var clock = Stopwatch.StartNew();
            Task<int[]> map = pool.MapAsync(static (int x) => x + 1, Enumerable.Range(0, 10));
            Task<int>[] submits = [.. Enumerable.Range(0, 10).Select(i => pool.Submit(static (int x) => x * 2, i))];
            Assert.Equal(Enumerable.Range(1, 10), await map.WaitAsync(Within.Deadline));
            Assert.Equal(Enumerable.Range(0, 10).Select(x => x * 2), await Task.WhenAll(submits).WaitAsync(Within.Deadline));
            Assert.True(clock.Elapsed < Bar, $"a map of 10 trivial items and 10 submits took {clock.Elapsed.TotalSeconds:F2} s with one worker busy");
            Assert.False(busy.IsCompleted, "the long task ended early: the test measured nothing");
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    /// <summary>Tasks of mixed lengths, some taken from busy workers by idle ones: each runs exactly once and returns its own result.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task TasksTakenFromABusyWorker_RunExactlyOnce(int workers)
    {
        const int Count = 300;
        using SharedArray<int> runs = SharedArray.Create<int>(Count);
        var pool = new ProcessPool(new PoolOptions { WorkerCount = workers });
        try
        {
            Warm(pool);
            for (int round = 0; round < 3; round++)
            {
                // Every 25th task sleeps 300 ms: the tasks its worker holds behind it are taken by the others.
                Task<int>[] tasks = [.. Enumerable.Range(0, Count).Select(i => pool.Submit(static (SharedArray<int> r, int i) =>
                {
                    Interlocked.Increment(ref r[i]);
                    if (i % 25 == 0)
                    {
                        Thread.Sleep(300);
                    }

                    return i;
                }, runs, i))];
                Task<int[]> all = Task.WhenAll(tasks);
                Assert.True(all.EndsWithin(Within.Deadline), $"round {round}: the tasks did not end");
                Assert.Equal(Enumerable.Range(0, Count), await all);
                for (int i = 0; i < Count; i++)
                {
                    Assert.True(runs[i] == round + 1, $"round {round}: task {i} ran {runs[i] - round} times");
                }
            }

            Assert.True(pool.TasksTaken > 0, "no task was taken from a busy worker: the test checked nothing");
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    /// <summary>A task cancelled while it waits in the pipe of a worker busy with an endless task ends as cancelled now, and the worker is not stopped.</summary>
    [Fact]
    public void ATaskCancelledBehindAnEndlessTask_IsCancelledAtOnce_WithoutStoppingTheWorker()
    {
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        try
        {
            using var started = SharedEvent.Create();
            Task<int> endless = StartEndlessTask(pool, started);
            int[] pids = [.. pool.WorkerPids];
            using var cancel = new CancellationTokenSource();
            Task<int> waiting = pool.Submit(static () => 1, cancel.Token);
            cancel.Cancel();
            Assert.True(waiting.EndsWithin(Within.Deadline), "the cancelled task did not end");
            Assert.True(waiting.IsCanceled);
            Assert.False(endless.IsCompleted, "the worker running the endless task was stopped");
            Assert.Equal(pids, pool.WorkerPids);
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    /// <summary>Runs trivial tasks first, so that the workers' recent tasks are short and they hold many ahead (up to 64), as in the report.</summary>
    private static void Warm(ProcessPool pool) =>
        Assert.Equal(2000, pool.Map(static (int x) => x, Enumerable.Range(0, 2000), chunkSize: 1).Length);

    private static Task<int> StartEndlessTask(ProcessPool pool, SharedEvent started)
    {
        Warm(pool);
        Task<int> endless = pool.Submit(static (SharedEvent s) =>
        {
            s.Set();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }, started);
        Assert.True(started.TryWait(Within.Deadline), "the endless task did not start");
        return endless;
    }
}
