using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// <c>MapAsync</c> and <c>StarmapAsync</c> with a success callback and an error callback (Python's
/// <c>map_async(callback=, error_callback=)</c>), on both pools; the process pool's items run in worker processes.
/// </summary>
public sealed class MapCallbackTests
{
    public static TheoryData<string> Pools => ["threads", "processes"];

    [Theory]
    [MemberData(nameof(Pools))]
    public async Task MapAsync_CallsTheCallbackWithAllResults_BeforeTheTaskCompletes(string kind)
    {
        using WorkerPool pool = Create(kind);
        int[]? seen = null;
        int errors = 0;

        int[] results = await pool.MapAsync(static (int x) => x * x, Enumerable.Range(0, 50), r => seen = r, _ => Interlocked.Increment(ref errors), chunkSize: 7);

        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x), results);
        Assert.Same(results, seen); // called, with the same array, before the task completed
        Assert.Equal(0, errors);
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public async Task MapAsync_AFailingItem_CallsTheErrorCallbackOnce_AndNotTheCallback(string kind)
    {
        using WorkerPool pool = Create(kind);
        bool called = false;
        var errors = new List<Exception>();

        Exception thrown = await Assert.ThrowsAnyAsync<Exception>(() => pool.MapAsync(
            static (int x) => x == 13 ? throw new InvalidOperationException("thirteen") : x,
            Enumerable.Range(0, 30),
            _ => called = true,
            e => { lock (errors) { errors.Add(e); } }));

        Assert.False(called);
        Exception only = Assert.Single(errors);
        Assert.Same(thrown, only);
        Assert.Contains("thirteen", only.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public async Task StarmapAsync_CallsTheCallbackWithAllResults(string kind)
    {
        using WorkerPool pool = Create(kind);
        int[]? seen = null;

        int[] results = await pool.StarmapAsync(static (int a, int b) => a + b, [(1, 2), (3, 4), (5, 6)], r => seen = r);

        Assert.Equal([3, 7, 11], results);
        Assert.Same(results, seen);
    }

    [Fact]
    public async Task ACallbackThatThrows_FailsTheTask_WithItsException()
    {
        using WorkerPool pool = Create("threads");
        Task<int[]> task = pool.MapAsync(static (int x) => x, [1, 2], _ => throw new FormatException("from the callback"));
        FormatException e = await Assert.ThrowsAsync<FormatException>(() => task);
        Assert.Equal("from the callback", e.Message);
    }

    private static WorkerPool Create(string kind) => kind == "threads"
        ? new ThreadWorkerPool(2)
        : new ProcessPool(new PoolOptions { WorkerCount = 2 });
}
