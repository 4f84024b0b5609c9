using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>ThreadWorkerPool: Map, MapAsync, Starmap and StarmapAsync: chunking, order, progress, errors, cancellation.</summary>
public sealed class ThreadWorkerPoolMapTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Map_ReturnsResultsInInputOrder_WhateverTheChunkSize(int chunkSize)
    {
        using var pool = new ThreadWorkerPool(3);
        int[] items = [.. Enumerable.Range(0, 500)];

        int[] results = pool.Map((int x) => (x * 3) + 1, items, chunkSize);

        Assert.Equal(items.Select(x => (x * 3) + 1), results);
    }

    [Theory]
    [InlineData(100, 0, 8)]   // Python: ceil(100 / (4 * 2)) = 13 per chunk, so 8 chunks
    [InlineData(16, 0, 8)]    // 2 per chunk
    [InlineData(5, 0, 5)]     // 1 per chunk
    [InlineData(100, 10, 10)]
    [InlineData(100, 30, 4)]
    public void Map_CutsTheItemsIntoChunks_ByPythonsRuleOrAsAsked(int items, int chunkSize, int expectedChunks)
    {
        using var pool = new ThreadWorkerPool(2);

        pool.Map((int x) => x, Enumerable.Range(0, items), chunkSize);

        Assert.Equal(expectedChunks, pool.Counters.Completed);
    }

    [Fact]
    public void Map_RunsEachChunksItemsTogether_InOrder()
    {
        using var pool = new ThreadWorkerPool(2);
        var seen = new ConcurrentQueue<(int Item, int Thread)>();

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
    public async Task Map_OfNothing_ReturnsNothing()
    {
        await using var pool = new ThreadWorkerPool(2);

        Assert.Empty(pool.Map((int x) => x, []));
        Assert.Empty(await pool.MapAsync((int x) => x, []));
        Assert.Equal(0, pool.Counters.Completed);
    }

    [Fact]
    public void Map_WhenAnItemThrows_ThrowsThatException()
    {
        using var pool = new ThreadWorkerPool(2);

        var e = Assert.Throws<InvalidOperationException>(() =>
            pool.Map((int x) => x == 37 ? throw new InvalidOperationException($"item {x}") : x, Enumerable.Range(0, 100), chunkSize: 5));

        Assert.Equal("item 37", e.Message);
    }

    [Fact]
    public async Task Map_WhenAnItemThrows_CancelsTheChunksNotYetStarted()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        var ran = new ConcurrentQueue<int>();

        // One thread: chunk 0 fails; chunk 1 may have started meanwhile, and then holds the thread until the map has
        // failed; chunks 2..9 wait in the queue behind it and must be cancelled, never run.
        Task<int[]> map = pool.MapAsync(
            (int x) =>
            {
                ran.Enqueue(x);
                if (x == 0)
                {
                    throw new InvalidOperationException("first");
                }

                gate.Hold();
                return x;
            },
            Enumerable.Range(0, 10),
            chunkSize: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => map);
        gate.Set();
        pool.CloseAndJoinOrFail();

        Assert.Subset(new HashSet<int> { 0, 1 }, ran.ToHashSet());
        Assert.Equal(0, pool.Counters.Queued);
    }

    [Fact]
    public async Task MapAsync_ReturnsResultsInOrder_AndReportsProgressUpToEveryItem()
    {
        await using var pool = new ThreadWorkerPool(2);
        var progress = new PoolTestSupport.RecordingProgress();

        int[] results = await pool.MapAsync((int x) => -x, Enumerable.Range(0, 1000), chunkSize: 100, progress: progress);

        Assert.Equal(Enumerable.Range(0, 1000).Select(x => -x), results);
        int[] reports = [.. progress.Reports];
        Assert.Equal(1000, reports[^1]);
        Assert.Equal(reports.Order(), reports);
        Assert.Equal(reports.Length, reports.Distinct().Count());
        Assert.All(reports, r => Assert.True(r % 100 == 0, $"{r} is not a whole number of chunks"));
    }

    [Fact]
    public void Map_ReportsProgress_BeforeItReturns()
    {
        using var pool = new ThreadWorkerPool(2);
        var progress = new PoolTestSupport.RecordingProgress();

        pool.Map((int x) => x, Enumerable.Range(0, 64), progress: progress);

        Assert.Equal(64, progress.Reports.Max());
    }

    [Fact]
    public async Task Starmap_SpreadsPairsAndTriplesOverTheParameters()
    {
        await using var pool = new ThreadWorkerPool(2);
        (int, int)[] pairs = [(1, 2), (3, 4), (5, 6)];
        (string, int, char)[] triples = [("a", 2, '!'), ("b", 3, '?')];

        Assert.Equal([2, 12, 30], pool.Starmap((int a, int b) => a * b, pairs));
        Assert.Equal(["aa!", "bbb?"], pool.Starmap((string s, int n, char c) => string.Concat(Enumerable.Repeat(s, n)) + c, triples));
        int[] sums = await pool.StarmapAsync((int a, int b) => a + b, pairs, chunkSize: 1);
        string[] joined = await pool.StarmapAsync((string s, int n, char c) => $"{s}{n}{c}", triples);
        Assert.Equal([3, 7, 11], sums);
        Assert.Equal(["a2!", "b3?"], joined);
    }

    [Fact]
    public async Task MapAsync_TakesACopyOfTheItems()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        Task busy = pool.Submit(gate.Hold);
        int[] items = [1, 2, 3];

        Task<int[]> map = pool.MapAsync((int x) => x * 2, items);
        items[0] = 100;
        gate.Set();

        int[] doubled = await map;
        Assert.Equal([2, 4, 6], doubled);
        await busy;
    }

    [Fact]
    public async Task MapAsync_WhenCancelled_IsCancelledAtOnce_AndItsQueuedChunksNeverRun()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        int ran = 0;
        Task busy = pool.Submit(() =>
        {
            started.Set();
            gate.Hold();
        });
        started.WaitOrFail("the blocking task");

        Task<int[]> map = pool.MapAsync((int x) => Interlocked.Increment(ref ran), Enumerable.Range(0, 10), chunkSize: 2, cancellationToken: cts.Token);
        await cts.CancelAsync();

        // The only thread is still held: the map ended without it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map);
        Assert.True(map.IsCanceled);
        gate.Set();
        await busy;
        pool.CloseAndJoinOrFail();
        Assert.Equal(0, ran);
        Assert.Equal(5, pool.Counters.Failed);
    }

    [Fact]
    public void Map_WithACancelledToken_Throws()
    {
        using var pool = new ThreadWorkerPool(1);

        Assert.ThrowsAny<OperationCanceledException>(() => pool.Map((int x) => x, [1, 2], cancellationToken: new CancellationToken(true)));
    }

    [Fact]
    public void Map_RefusesANegativeChunkSize()
    {
        using var pool = new ThreadWorkerPool(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Map((int x) => x, [1], chunkSize: -1));
    }

    [Fact]
    public void ARunningChunk_StopsBeforeItsNextItem_WhenTheMapIsCancelled()
    {
        using var pool = new ThreadWorkerPool(1);
        using var cts = new CancellationTokenSource();
        using var first = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        int ran = 0;

        Task<int[]> map = pool.MapAsync(
            (int x) =>
            {
                Interlocked.Increment(ref ran);
                first.Set();
                gate.Hold();
                return x;
            },
            Enumerable.Range(0, 10),
            chunkSize: 10,
            cancellationToken: cts.Token);
        first.WaitOrFail("the chunk's first item");
        cts.Cancel();
        gate.Set();
        map.EndsOrFail("the map");
        pool.CloseAndJoinOrFail();

        Assert.True(map.IsCanceled);
        Assert.Equal(1, ran);
    }
}
