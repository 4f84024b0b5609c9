using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// ThreadWorkerPool: every pool's tests (<see cref="WorkerPoolTestBase"/>), and what only a pool of threads in this
/// process does: delegates that share the caller's objects, the pool itself used from its own threads. Its threads
/// themselves (on demand, initializer, names, options) are in <see cref="ThreadWorkerPoolThreadsTests"/>.
/// </summary>
public sealed class ThreadWorkerPoolTests : WorkerPoolTestBase
{
    protected override WorkerPool CreatePool(PoolOptions options) => new ThreadWorkerPool(options);

    [Fact]
    public void Apply_RunsActions_OnAPoolThread()
    {
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 2, Name = "apply-actions" });
        string? ranOn = null;
        int seen = 0;

        pool.Apply(() => { ranOn = Thread.CurrentThread.Name; });
        pool.Apply((int x) => { seen = x; }, 5);

        Assert.StartsWith("apply-actions thread ", ranOn, StringComparison.Ordinal);
        Assert.Equal(5, seen);
    }

    [Fact]
    public async Task ADelegatesException_IsTheVeryObjectItThrew()
    {
        await using var pool = new ThreadWorkerPool(1);
        var thrown = new InvalidOperationException("boom");

        InvalidOperationException caught = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Submit(int () => throw thrown));

        Assert.Same(thrown, caught);
    }

    [Fact]
    public async Task AwaitingATask_ContinuesOffThePoolsThreads()
    {
        await using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, Name = "continuations" });
        using var gate = new ManualResetEventSlim();

        // The task is still running when the await starts, so its continuation is registered, not run inline here.
        Task<int> task = pool.Submit(() =>
        {
            gate.Hold();
            return 1;
        });
        Task<string?> after = ContinueAfter(task);
        gate.Set();

        string? continuedOn = await after;
        Assert.False(continuedOn?.StartsWith("continuations", StringComparison.Ordinal) ?? false, $"the continuation ran on {continuedOn}");

        static async Task<string?> ContinueAfter(Task<int> task)
        {
            await task.ConfigureAwait(false);
            return Thread.CurrentThread.Name;
        }
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
    public void ANewPool_ClosedAtOnce_JoinsWithoutEverStartingAThread()
    {
        var pool = new ThreadWorkerPool(3);

        pool.Close();

        Assert.True(pool.Join(Within.Deadline));
        Assert.Equal(0L, pool.Counters.WorkersStarted);
        pool.Dispose();
    }

    [Fact]
    public void Map_RunsEachChunksItemsTogether_InOrder()
    {
        using var pool = new ThreadWorkerPool(2);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(int Item, int Thread)>();

        pool.Map(
            (int x) =>
            {
                seen.Enqueue((x, Environment.CurrentManagedThreadId));
                return x;
            },
            Enumerable.Range(0, 40),
            chunkSize: 10);

        // Each chunk is one task: its ten items ran on one thread, one after the other.
        foreach (IGrouping<int, (int Item, int Thread)> chunk in seen.GroupBy(s => s.Item / 10))
        {
            Assert.Single(chunk.Select(s => s.Thread).Distinct());
            Assert.Equal(chunk.Select(s => s.Item).Order(), chunk.Select(s => s.Item));
        }
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
}
