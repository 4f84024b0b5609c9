using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>ThreadWorkerPool: one call at a time (Apply, ApplyAsync with callbacks, Submit), for every delegate shape.</summary>
public sealed class ThreadWorkerPoolApplyTests
{
    [Fact]
    public void Apply_ReturnsTheResult_ForEveryFunctionShape()
    {
        using var pool = new ThreadWorkerPool(2);

        Assert.Equal(42, pool.Apply(() => 42));
        Assert.Equal(49, pool.Apply((int x) => x * x, 7));
        Assert.Equal("ab", pool.Apply((string a, string b) => a + b, "a", "b"));
        Assert.Equal(6L, pool.Apply((long a, long b, long c) => a + b + c, 1L, 2L, 3L));
    }

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
    public async Task Submit_ReturnsTasks_ForEveryShape()
    {
        await using var pool = new ThreadWorkerPool(2);
        int actions = 0;

        Assert.Equal(1, await pool.Submit(() => 1));
        Assert.Equal(4, await pool.Submit((int x) => x + 2, 2));
        Assert.Equal(6, await pool.Submit((int a, int b) => a * b, 2, 3));
        Assert.Equal("xyz", await pool.Submit((char a, char b, char c) => $"{a}{b}{c}", 'x', 'y', 'z'));
        await pool.Submit(() => { Interlocked.Increment(ref actions); });
        await pool.Submit((int n) => { Interlocked.Add(ref actions, n); }, 10);

        Assert.Equal(11, actions);
    }

    [Fact]
    public async Task Submit_WhenTheDelegateThrows_TheTaskFailsWithThatException_AndThePoolGoesOn()
    {
        await using var pool = new ThreadWorkerPool(1);
        var thrown = new InvalidOperationException("boom");

        Task<int> failing = pool.Submit(int () => throw thrown);
        InvalidOperationException caught = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);

        Assert.Same(thrown, caught);
        Assert.Equal(3, await pool.Submit(() => 3));
    }

    [Fact]
    public void Apply_WhenTheDelegateThrows_ThrowsThatException_NotAnAggregate()
    {
        using var pool = new ThreadWorkerPool(1);

        var e = Assert.Throws<ArgumentException>(() => pool.Apply((int x) => x > 0 ? throw new ArgumentException("bad x") : x, 1));

        Assert.Equal("bad x", e.Message);
    }

    [Fact]
    public async Task ApplyAsync_CallsTheCallbackWithTheResult_BeforeItsTaskCompletes()
    {
        await using var pool = new ThreadWorkerPool(2);
        var results = new ConcurrentQueue<int>();
        var errors = new ConcurrentQueue<Exception>();

        int result = await pool.ApplyAsync((int x) => x * 10, 4, callback: results.Enqueue, errorCallback: errors.Enqueue);

        Assert.Equal(40, result);
        Assert.Equal([40], results);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ApplyAsync_CallsTheErrorCallbackWithTheException_AndTheTaskFailsWithIt()
    {
        await using var pool = new ThreadWorkerPool(2);
        var results = new ConcurrentQueue<int>();
        var errors = new ConcurrentQueue<Exception>();
        var thrown = new FormatException("not a number");

        Task<int> task = pool.ApplyAsync((string s) => s.Length > 0 ? throw thrown : 0, "x", results.Enqueue, errors.Enqueue);
        FormatException caught = await Assert.ThrowsAsync<FormatException>(() => task);

        Assert.Same(thrown, caught);
        Assert.Same(thrown, Assert.Single(errors));
        Assert.Empty(results);
    }

    [Fact]
    public async Task ApplyAsync_WithAnAction_CallsTheMatchingCallback()
    {
        await using var pool = new ThreadWorkerPool(2);
        int succeeded = 0;
        var errors = new ConcurrentQueue<Exception>();

        await pool.ApplyAsync(() => { }, callback: () => Interlocked.Increment(ref succeeded), errorCallback: errors.Enqueue);
        await pool.ApplyAsync((int _) => { }, 1, callback: () => Interlocked.Increment(ref succeeded), errorCallback: errors.Enqueue);
        Task failing = pool.ApplyAsync((int _) => throw new InvalidOperationException("no"), 1, () => Interlocked.Increment(ref succeeded), errors.Enqueue);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);

        Assert.Equal(2, succeeded);
        Assert.IsType<InvalidOperationException>(Assert.Single(errors));
    }

    [Fact]
    public async Task ApplyAsync_WhenTheCallbackThrows_TheTaskFailsWithTheCallbacksException()
    {
        await using var pool = new ThreadWorkerPool(1);

        Task<int> task = pool.ApplyAsync(() => 1, callback: _ => throw new InvalidOperationException("callback"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => task);

        Assert.Equal("callback", e.Message);
        Assert.Equal(2, await pool.Submit(() => 2));
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
    public void NullDelegates_AreRefused()
    {
        using var pool = new ThreadWorkerPool(1);

        PoolTestSupport.Refuses<ArgumentNullException>(() => pool.Submit((Func<int>)null!));
        PoolTestSupport.Refuses<ArgumentNullException>(() => pool.ApplyAsync((Action)null!));
        Assert.Throws<ArgumentNullException>(() => pool.Apply((Action<int>)null!, 1));
        Assert.Throws<ArgumentNullException>(() => pool.Map((Func<int, int>)null!, [1]));
        Assert.Throws<ArgumentNullException>(() => pool.Map((int x) => x, null!));
    }

    [Fact]
    public async Task WhenEachAndWhenAny_AreAsCompletedAndFirstCompleted()
    {
        await using var pool = new ThreadWorkerPool(2);
        using var gate = new ManualResetEventSlim();
        Task<int> slow = pool.Submit(() =>
        {
            gate.Hold();
            return 1;
        });
        Task<int> fast = pool.Submit(() => 2);

        // wait(fs, return_when=FIRST_COMPLETED)
        Task<int> first = await Task.WhenAny(slow, fast);
        Assert.Same(fast, first);

        // as_completed(fs): fast first (slow is held), then slow once the gate opens.
        var order = new List<int>();
        await using (IAsyncEnumerator<Task<int>> done = Task.WhenEach(slow, fast).GetAsyncEnumerator())
        {
            Assert.True(await done.MoveNextAsync());
            order.Add(await done.Current);
            gate.Set();
            Assert.True(await done.MoveNextAsync());
            order.Add(await done.Current);
            Assert.False(await done.MoveNextAsync());
        }

        Assert.Equal([2, 1], order);
    }

    [Fact]
    public async Task ApplyAsync_CallsTheCallback_ForEveryFunctionShape()
    {
        await using var pool = new ThreadWorkerPool(2);
        var results = new ConcurrentQueue<string>();

        await pool.ApplyAsync(() => "0", results.Enqueue);
        await pool.ApplyAsync((int a) => $"{a}", 1, results.Enqueue);
        await pool.ApplyAsync((int a, int b) => $"{a}{b}", 1, 2, results.Enqueue);
        await pool.ApplyAsync((int a, int b, int c) => $"{a}{b}{c}", 1, 2, 3, results.Enqueue);

        Assert.Equal(["0", "1", "12", "123"], results);
    }

    [Fact]
    public async Task ApplyAsync_TellsTheErrorCallback_OfACancellation()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        var errors = new ConcurrentQueue<Exception>();
        Task first = pool.Submit(gate.Hold);

        Task<int> queued = pool.ApplyAsync(() => 1, errorCallback: errors.Enqueue, cancellationToken: cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.True(queued.IsCanceled);
        Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(errors));
        gate.Set();
        await first;
    }
}
