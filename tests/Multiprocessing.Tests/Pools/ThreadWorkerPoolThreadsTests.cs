using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>ThreadWorkerPool: threads created on demand and reused, counters, initializer, replacement after N tasks, options.</summary>
public sealed class ThreadWorkerPoolThreadsTests
{
    [Fact]
    public void Threads_AreCreatedOnDemand_UpToTheMaximum_AndReused()
    {
        using var pool = new ThreadWorkerPool(5);
        Assert.Equal(0L, pool.Counters.WorkersStarted);

        // Five tasks that can only all finish once all five run at once: the pool must start five threads.
        using var allFive = new CountdownEvent(5);
        var threads = new ConcurrentDictionary<int, int>();
        Task[] tasks = [.. Enumerable.Range(0, 100).Select(i => pool.Submit(() =>
        {
            threads.AddOrUpdate(Environment.CurrentManagedThreadId, 1, (_, n) => n + 1);
            if (i < 5)
            {
                allFive.Signal();
                allFive.WaitOrFail("five tasks running at once");
            }
        }))];
        PoolTestSupport.AllEndOrFail(tasks);

        Assert.Equal(5L, pool.Counters.WorkersStarted);
        Assert.Equal(5, threads.Count);
        Assert.Equal(100, threads.Values.Sum());
    }

    [Fact]
    public void OneTaskAtATime_UsesOneThread()
    {
        using var pool = new ThreadWorkerPool(4);

        for (int i = 0; i < 20; i++)
        {
            pool.Apply(() => i);

            // Wait until the thread is back to waiting, so the next task finds it idle.
            PoolTestSupport.Eventually(() => pool.Counters.WorkersIdle == 1, () => "one idle thread");
        }

        Assert.Equal(1L, pool.Counters.WorkersStarted);
    }

    [Fact]
    public void Counters_ShowCreatedAndIdleThreads_OnceTheQueueIsEmpty()
    {
        using var pool = new ThreadWorkerPool(3);
        using var allThree = new CountdownEvent(3);
        Task[] tasks = [.. Enumerable.Range(0, 3).Select(_ => pool.Submit(() =>
        {
            allThree.Signal();
            allThree.WaitOrFail("three tasks running at once");
        }))];
        PoolTestSupport.AllEndOrFail(tasks);

        PoolTestSupport.Eventually(() => pool.Counters.WorkersIdle == 3, () => $"three idle threads ({pool.Counters})");
        PoolCounters c = pool.Counters;
        Assert.Equal((3, 3, 3L), (c.WorkersAlive, c.WorkersIdle, c.WorkersStarted));
    }

    [Fact]
    public void Initializer_RunsOnceOnEachThread_BeforeItsFirstTask()
    {
        int initialized = 0;
        var initializedThreads = new ConcurrentBag<int>();
        using var pool = new ThreadWorkerPool(new PoolOptions
        {
            WorkerCount = 3,
            Initializer = () =>
            {
                Interlocked.Increment(ref initialized);
                initializedThreads.Add(Environment.CurrentManagedThreadId);
                ThreadState.Initialized = true;
            },
        });
        using var allThree = new CountdownEvent(3);

        bool[] sawInitialized = [.. Enumerable.Range(0, 30).Select(i => pool.Submit(() =>
        {
            if (i < 3)
            {
                allThree.Signal();
                allThree.WaitOrFail("three tasks running at once");
            }

            return ThreadState.Initialized;
        })).ToArray().Select(t => t.ResultOrFail())];

        Assert.All(sawInitialized, Assert.True);
        Assert.Equal(3, initialized);
        Assert.Equal(3, initializedThreads.Distinct().Count());
        Assert.Equal(3L, pool.Counters.WorkersStarted);
    }

    [Fact]
    public async Task Initializer_ThatThrows_BreaksThePool()
    {
        var cause = new InvalidOperationException("no config");
        var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 2, Initializer = () => throw cause });

        Task<int> task = pool.Submit(() => 1);
        var broken = await Assert.ThrowsAsync<BrokenPoolException>(() => task);

        Assert.Same(cause, broken.InnerException);
        Assert.Contains("no config", broken.Message, StringComparison.Ordinal);
        var refused = PoolTestSupport.Refuses<BrokenPoolException>(() => pool.Submit(() => 2));
        Assert.Same(cause, refused.InnerException);
        Assert.True(pool.Join(Within.Deadline));
        pool.Dispose();
    }

    [Fact]
    public void MaxTasksPerWorker_WithQueuedWork_ReplacesTheThreadAtOnce()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MaxTasksPerWorker = 1 });
        using var gate = new ManualResetEventSlim();
        Task first = pool.Submit(gate.Hold);
        Task<int>[] queued = [.. Enumerable.Range(0, 4).Select(i => pool.Submit(() => i))];

        gate.Set();

        PoolTestSupport.AllEndOrFail(queued);
        Assert.Equal(5L, pool.Counters.WorkersStarted);
        first.EndsOrFail("the first task");
    }

    [Fact]
    public void Threads_AreNamedAfterThePool_AndAreBackgroundThreads()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, Name = "named" });

        (string? name, bool background) = pool.Apply(() => (Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground));

        Assert.Equal("named", pool.Name);
        Assert.Equal("named thread 1", name);
        Assert.True(background);
        using var unnamed = new ThreadWorkerPool(1);
        Assert.StartsWith("ThreadWorkerPool-", unnamed.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerCount_DefaultsToTheProcessorCount()
    {
        using var pool = new ThreadWorkerPool();

        Assert.Equal(Environment.ProcessorCount, pool.WorkerCount);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(new PoolOptions { MaxTasksPerWorker = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(new PoolOptions { TaskTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(new PoolOptions { MaxQueuedTasks = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(new PoolOptions { WhenQueueFull = (QueueFullBehavior)7 }));
        var memory = Assert.Throws<ArgumentException>(() => new ThreadWorkerPool(new ProcessPoolOptions { MaxMemoryPerWorker = 1 << 30 }));
        Assert.Contains("ProcessPoolOptions are for a ProcessPool", memory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMillionTinyTasks_ReturnEveryResultExactlyOnce()
    {
        const int N = 1_000_000;
        using var pool = new ThreadWorkerPool(4);
        int[] runs = new int[N];
        var tasks = new Task<int>[N];

        for (int i = 0; i < N; i++)
        {
            tasks[i] = pool.Submit(
                (int x) =>
                {
                    Interlocked.Increment(ref runs[x]);
                    return x;
                },
                i);
        }

        int[] results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2));
        for (int i = 0; i < N; i++)
        {
            if (results[i] != i || runs[i] != 1)
            {
                Assert.Fail($"task {i}: result {results[i]}, ran {runs[i]} times");
            }
        }

        Assert.Equal((long)N, pool.Counters.Completed);
    }

    private static class ThreadState
    {
        [ThreadStatic]
        public static bool Initialized;
    }
}
