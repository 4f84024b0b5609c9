using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// Asynchronous delegates (issue #12 point 4): each runs to its end in its worker and its task's result is the
/// call's; and delegates that take the task's <see cref="CancellationToken"/> (point 5), which the pool cancels
/// where the task runs.
/// </summary>
public abstract partial class WorkerPoolTestBase
{
    /// <summary>Options for a pool whose cancelled tasks that take a token must be left to stop by themselves (a process pool's grace period, long).</summary>
    protected virtual PoolOptions CooperativeCancelOptions(int workerCount) => new() { WorkerCount = workerCount };

    [Fact]
    public async Task Submit_OfAnAsyncLambda_GivesItsTasksResult_ForEveryShape()
    {
        await using WorkerPool pool = CreatePool(2);
        using SharedValue<int> done = SharedValue.Create(0);

        // Typed: the async overloads are the ones chosen (the plain ones would give a Task<Task<int>>).
        Task<int> none = pool.Submit(DelayedReturn(41));
        Task<int> one = pool.Submit(static async (int x) => { await Task.Delay(10); return x * 2; }, 21);
        Task<string> two = pool.Submit(static async (string a, string b) => { await Task.Yield(); return a + b; }, "a", "b");
        Task<long> three = pool.Submit(static async (long a, long b, long c) => { await Task.Delay(1); return a + b + c; }, 1L, 2L, 3L);
        Task action = pool.Submit(static async (SharedValue<int> n) => { await Task.Delay(50); n.Add(1); }, done);

        Assert.Equal(41, await none);
        Assert.Equal(42, await one);
        Assert.Equal("ab", await two);
        Assert.Equal(6L, await three);
        await action;
        Assert.False(action is Task<Task>, "an async action became a Task<Task>");
        Assert.Equal(1, done.Value); // Its task ended before the call's did: not fire-and-forget.
        Assert.Equal(5, pool.Apply(static async () => { await Task.Delay(10); return 5; }));
        Assert.Equal(8, await pool.ApplyAsync(static async (int x) => { await Task.Yield(); return x; }, 8, callback: r => Assert.Equal(8, r)));
        pool.Apply(static async (SharedValue<int> n) => { await Task.Delay(10); n.Add(10); }, done);
        Assert.Equal(11, done.Value);
    }

    [Fact]
    public async Task MapAndImap_OfAnAsyncFunction_GiveItsTasksResults_InOrder()
    {
        await using WorkerPool pool = CreatePool(2);
        int[] items = [.. Enumerable.Range(0, 40)];
        int[] squares = [.. items.Select(x => x * x)];

        Assert.Equal(squares, pool.Map(static async (int x) => { await Task.Yield(); return x * x; }, items, chunkSize: 3)); // scalars
        Assert.Equal([.. items.Select(x => $"<{x}>")], pool.Map(static async (int x) => { await Task.Delay(1); return $"<{x}>"; }, items));
        Assert.Equal(squares, await pool.MapAsync(static async (int x) => { await Task.Yield(); return x * x; }, items));
        Assert.Equal(squares, pool.Imap(static async (int x) => { await Task.Yield(); return x * x; }, items).ToArray());
        Assert.Equal(squares, pool.ImapUnordered(static async (int x) => { await Task.Yield(); return x * x; }, items, chunkSize: 4).Order().ToArray());
        var streamed = new List<int>();
        await foreach (int r in pool.ImapAsync(static async (int x) => { await Task.Yield(); return x * x; }, items))
        {
            streamed.Add(r);
        }

        Assert.Equal(squares, streamed);
    }

    [Fact]
    public async Task AnAsyncFunctionThatFaults_FailsItsCall_AsASynchronousOneDoes()
    {
        await using WorkerPool pool = CreatePool(1);

        Exception? submitted = await Record.ExceptionAsync(() => pool.Submit(static async () => { await Task.Delay(10); return Fail("late boom"); }));
        Exception? applied = Record.Exception(() => pool.Apply(static async (int x) => { await Task.Yield(); return Fail($"boom {x}"); }, 3));
        Exception? action = await Record.ExceptionAsync(() => pool.Submit(static async () => { await Task.Yield(); _ = Fail("action boom"); }));
        Exception? mapped = Record.Exception(() => pool.Map(static async (int x) => { await Task.Yield(); return x == 5 ? Fail("item 5") : x; }, Enumerable.Range(0, 10)));

        AssertTheDelegates<InvalidOperationException>(submitted, "late boom");
        AssertTheDelegates<InvalidOperationException>(applied, "boom 3");
        AssertTheDelegates<InvalidOperationException>(action, "action boom");
        AssertTheDelegates<InvalidOperationException>(mapped, "item 5");
        Assert.Equal(3, await pool.Submit(static async () => { await Task.Yield(); return 3; })); // The worker goes on.
    }

    [Fact]
    public async Task AnAsyncTask_HoldsItsWorker_UntilItsTaskEnds()
    {
        await using WorkerPool pool = CreatePool(1);
        using var started = SharedEvent.Create();
        using var gate = SharedEvent.Create();

        Task<int> first = pool.Submit(
            static async (SharedEvent s, SharedEvent g) =>
            {
                s.Set();
                await g.WaitAsync(Within.Deadline);
                return 1;
            },
            started,
            gate);
        started.WaitOrFail("the async task");
        Task<bool> second = pool.Submit(static (SharedEvent g) => g.IsSet, gate);

        Assert.False(second.EndsWithin(PoolTestSupport.Short), "the second task ran while the first one's task was still waiting");
        gate.Set();
        Assert.Equal(1, await first.WaitAsync(Within.Deadline));
        Assert.True(await second.WaitAsync(Within.Deadline)); // It ran after the first had ended.
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ATaskTakingAToken_SeesItCancelled_AndItsWorkerServesTheNextTask(bool asynchronous)
    {
        await using WorkerPool pool = CreatePool(CooperativeCancelOptions(1));
        using SharedValue<int> progress = SharedValue.Create(0); // 1: started; 11: saw its token cancelled
        using var cts = new CancellationTokenSource();
        long worker = await pool.Submit(static () => WorkerId());

        Task<int> task = asynchronous
            ? pool.Submit(
                static async (SharedValue<int> p, CancellationToken ct) =>
                {
                    p.Add(1);
                    try
                    {
                        await Task.Delay(Within.Deadline, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        p.Add(10);
                        throw;
                    }

                    return 0;
                },
                progress,
                cts.Token)
            : pool.Submit(
                static (SharedValue<int> p, CancellationToken ct) =>
                {
                    p.Add(1);
                    if (ct.WaitHandle.WaitOne(Within.Deadline))
                    {
                        p.Add(10);
                    }

                    ct.ThrowIfCancellationRequested();
                    return 0;
                },
                progress,
                cts.Token);
        PoolTestSupport.Eventually(() => progress.Value >= 1, () => "the task's start");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Within.Deadline));
        Assert.True(task.IsCanceled);
        if (CancellationReachesTheDelegateBeforeTheTaskEnds)
        {
            Assert.Equal(11, progress.Value); // The token fired where the task ran.
            Assert.Equal(worker, await pool.Submit(static () => WorkerId())); // Same worker: not stopped, not replaced.
        }
        else
        {
            PoolTestSupport.Eventually(() => progress.Value == 11, () => "the delegate seeing its token cancelled"); // Where the task ran, a moment later.
            Assert.Equal(3, await pool.Submit(static () => 3));
        }
    }

    private static Func<Task<int>> DelayedReturn(int n) => async () =>
    {
        await Task.Delay(10);
        return n;
    };

    private static int Fail(string message) => throw new InvalidOperationException(message);
}
