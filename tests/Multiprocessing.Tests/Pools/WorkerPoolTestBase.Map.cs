using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>Every pool: Map, MapAsync, Starmap and StarmapAsync: chunking, order, progress, errors, cancellation.</summary>
public abstract partial class WorkerPoolTestBase
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Map_ReturnsResultsInInputOrder_WhateverTheChunkSize(int chunkSize)
    {
        using WorkerPool pool = CreatePool(3);
        int[] items = [.. Enumerable.Range(0, 500)];

        int[] results = pool.Map(static (int x) => (x * 3) + 1, items, chunkSize);

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
        using WorkerPool pool = CreatePool(2);

        pool.Map(static (int x) => x, Enumerable.Range(0, items), chunkSize);

        Assert.Equal(expectedChunks, pool.Counters.Completed);
    }

    [Fact]
    public async Task Map_OfNothing_ReturnsNothing()
    {
        await using WorkerPool pool = CreatePool(2);

        Assert.Empty(pool.Map(static (int x) => x, []));
        Assert.Empty(await pool.MapAsync(static (int x) => x, []));
        Assert.Equal(0, pool.Counters.Completed);
    }

    [Fact]
    public void Map_WhenAnItemThrows_ThrowsThatException()
    {
        using WorkerPool pool = CreatePool(2);

        Exception? e = Record.Exception(() =>
            pool.Map(static (int x) => x == 37 ? throw new InvalidOperationException($"item {x}") : x, Enumerable.Range(0, 100), chunkSize: 5));

        AssertTheDelegates<InvalidOperationException>(e, "item 37");
    }

    [Fact]
    public async Task Map_WhenAnItemThrows_CancelsTheChunksNotYetStarted()
    {
        await using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using SharedValue<int> ran = SharedValue.Create(0);

        // One worker: chunk 0 fails; chunk 1 may have started meanwhile, and then holds the worker until the map has
        // failed; chunks 2..9 wait in the queue behind it and must be cancelled, never run.
        Task<int[]> map = pool.MapAsync(FailingAtZeroThenHeld(ran, gate), Enumerable.Range(0, 10), chunkSize: 1);

        AssertTheDelegates<InvalidOperationException>(await Record.ExceptionAsync(() => map), "first");
        gate.Set();
        pool.CloseAndJoinOrFail();

        Assert.Equal(0, ran.Value & ~0b11); // only items 0 and 1 may have run (one bit per item)
        Assert.Equal(0, pool.Counters.Queued);
    }

    [Fact]
    public async Task MapAsync_ReturnsResultsInOrder_AndReportsProgressUpToEveryItem()
    {
        await using WorkerPool pool = CreatePool(2);
        var progress = new PoolTestSupport.RecordingProgress();

        int[] results = await pool.MapAsync(static (int x) => -x, Enumerable.Range(0, 1000), chunkSize: 100, progress: progress);

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
        using WorkerPool pool = CreatePool(2);
        var progress = new PoolTestSupport.RecordingProgress();

        pool.Map(static (int x) => x, Enumerable.Range(0, 64), progress: progress);

        Assert.Equal(64, progress.Reports.Max());
    }

    [Fact]
    public async Task Starmap_SpreadsPairsAndTriplesOverTheParameters()
    {
        await using WorkerPool pool = CreatePool(2);
        (int, int)[] pairs = [(1, 2), (3, 4), (5, 6)];
        (string, int, char)[] triples = [("a", 2, '!'), ("b", 3, '?')];

        Assert.Equal([2, 12, 30], pool.Starmap(static (int a, int b) => a * b, pairs));
        Assert.Equal(["aa!", "bbb?"], pool.Starmap(static (string s, int n, char c) => string.Concat(Enumerable.Repeat(s, n)) + c, triples));
        int[] sums = await pool.StarmapAsync(static (int a, int b) => a + b, pairs, chunkSize: 1);
        string[] joined = await pool.StarmapAsync(static (string s, int n, char c) => $"{s}{n}{c}", triples);
        Assert.Equal([3, 7, 11], sums);
        Assert.Equal(["a2!", "b3?"], joined);
    }

    [Fact]
    public async Task MapAsync_TakesACopyOfTheItems()
    {
        await using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        Task busy = pool.Submit(static (SharedEvent g) => g.Hold(), gate);
        int[] items = [1, 2, 3];

        Task<int[]> map = pool.MapAsync(static (int x) => x * 2, items);
        items[0] = 100;
        gate.Set();

        int[] doubled = await map;
        Assert.Equal([2, 4, 6], doubled);
        await busy;
    }

    [Fact]
    public async Task MapAsync_WhenCancelled_IsCancelledAtOnce_AndItsQueuedChunksNeverRun()
    {
        await using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using var started = SharedEvent.Create();
        using var cts = new CancellationTokenSource();
        using SharedValue<int> ran = SharedValue.Create(0);
        Task busy = StartHeld(pool, started, gate);

        Task<int[]> map = pool.MapAsync(Counting(ran), Enumerable.Range(0, 10), chunkSize: 2, cancellationToken: cts.Token);
        await cts.CancelAsync();

        // The only worker is still held: the map ended without it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map);
        Assert.True(map.IsCanceled);
        gate.Set();
        await busy;
        pool.CloseAndJoinOrFail();
        Assert.Equal(0, ran.Value);
        Assert.Equal(5, pool.Counters.Failed);
    }

    [Fact]
    public void Map_WithACancelledToken_Throws()
    {
        using WorkerPool pool = CreatePool(1);

        Assert.ThrowsAny<OperationCanceledException>(() => pool.Map(static (int x) => x, [1, 2], cancellationToken: new CancellationToken(true)));
    }

    [Fact]
    public void Map_RefusesANegativeChunkSize()
    {
        using WorkerPool pool = CreatePool(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Map(static (int x) => x, [1], chunkSize: -1));
    }

    [Fact]
    public void ARunningChunk_RunsNoFurtherItem_OnceTheMapIsCancelled()
    {
        using WorkerPool pool = CreatePool(1);
        using var cts = new CancellationTokenSource();
        using var first = SharedEvent.Create();
        using var gate = SharedEvent.Create();
        using SharedValue<int> ran = SharedValue.Create(0);

        Task<int[]> map = pool.MapAsync(CountingThenHeld(ran, first, gate), Enumerable.Range(0, 10), chunkSize: 10, cancellationToken: cts.Token);
        first.WaitOrFail("the chunk's first item");
        cts.Cancel();
        if (!CancelledChunksStopBeforeTheirNextItem)
        {
            // The map ends at once, while its chunk is still held where it runs; that chunk may run on (a silo).
            map.EndsOrFail("the map");
            Assert.True(map.IsCanceled);
            gate.Set();
            pool.CloseAndJoinOrFail();
            return;
        }

        if (CancellingStopsARunningTask)
        {
            // The map ends at once; its worker is stopped by a signal, which lands when it lands: only once the
            // pool has joined its workers is it gone, and then the gate may open.
            map.EndsOrFail("the map");
            pool.CloseAndJoinOrFail();
            gate.Set();
        }
        else
        {
            // A thread's chunk looks at the token before each item.
            gate.Set();
            map.EndsOrFail("the map");
            pool.CloseAndJoinOrFail();
        }

        Assert.True(map.IsCanceled);
        Assert.Equal(1, ran.Value);
    }

    private static Func<int, int> Counting(SharedValue<int> ran) => x =>
    {
        ran.Add(1);
        return x;
    };

    private static Func<int, int> CountingThenHeld(SharedValue<int> ran, SharedEvent first, SharedEvent gate) => x =>
    {
        ran.Add(1);
        first.Set();
        gate.Hold();
        return x;
    };

    /// <summary>Sets bit <c>x</c> of <paramref name="ran"/> for each item; item 0 throws, the others wait for <paramref name="gate"/>.</summary>
    private static Func<int, int> FailingAtZeroThenHeld(SharedValue<int> ran, SharedEvent gate) => x =>
    {
        ran.Add(1 << x);
        if (x == 0)
        {
            throw new InvalidOperationException("first");
        }

        gate.Hold();
        return x;
    };
}
