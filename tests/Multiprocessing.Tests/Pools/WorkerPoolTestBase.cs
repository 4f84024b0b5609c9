using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// What every <see cref="WorkerPool"/> does, run against each pool by a derived class that says how to create one
/// (as ChannelTestBase in dotnet/runtime's System.Threading.Channels tests). Where the pools differ on purpose, a
/// virtual property says how, and the test checks each pool's side; tests of one pool only stay in its own class.
/// </summary>
/// <remarks>
/// The delegates here run on a thread of this process or in a worker process, so they hold no reference to the test:
/// they are static lambdas given their shared objects (<see cref="SharedEvent"/>, <see cref="SharedValue{T}"/>) as
/// arguments, or closures made by a static helper that captures nothing else (a lambda's captures are shared with
/// the other lambdas of its scope, and a process pool must encode them all).
/// </remarks>
public abstract partial class WorkerPoolTestBase
{
    /// <summary>A new pool with these options.</summary>
    protected abstract WorkerPool CreatePool(PoolOptions options);

    /// <summary>
    /// True if a delegate's exception reaches the caller as itself (threads); false if it arrives as a
    /// <see cref="RemoteException"/> that names its type and carries its message (processes: the exception object
    /// stays in the worker).
    /// </summary>
    protected virtual bool DelegateExceptionsArriveAsThemselves => true;

    /// <summary>
    /// True if cancelling a running task stops it (a process pool stops its worker); false if the delegate runs on
    /// and the task ends as it does (a thread cannot be stopped from outside).
    /// </summary>
    protected virtual bool CancellingStopsARunningTask => false;

    /// <summary>
    /// True if a task that times out or is terminated is stopped (its worker process is killed); false if its
    /// delegate runs on, abandoned, until it returns (a thread).
    /// </summary>
    protected virtual bool StoppedTasksStopRunning => false;

    /// <summary>
    /// Where a terminated task's delegate runs on (<see cref="StoppedTasksStopRunning"/> false): true if Join waits for
    /// it (a thread is the pool's own), false if the pool stops at once and leaves it to where it runs (a silo).
    /// </summary>
    protected virtual bool JoinWaitsForAbandonedDelegates => true;

    /// <summary>
    /// How many tasks each submitter of the racing tests submits at most: the race is at the stop, and what was
    /// accepted before it must drain within the Join deadline on a busy machine at the pool's speed for one-item tasks.
    /// </summary>
    protected virtual int RacingSubmissions => 20_000;

    /// <summary>False if the pool refuses <see cref="PoolOptions.MaxTasksPerWorker"/> (a cluster's silos are not replaced): the test then checks the refusal.</summary>
    protected virtual bool SupportsMaxTasksPerWorker => true;

    /// <summary>True if a task past its timeout leaves its worker to it and a new worker takes its place; false if the same worker goes on at once (a cluster pool's lane stops waiting; the silo runs the task on).</summary>
    protected virtual bool TimedOutTasksReplaceTheirWorker => true;

    /// <summary>
    /// True if a pool tells a running delegate that takes a <see cref="CancellationToken"/> of its cancellation
    /// before it ends its task, and keeps its worker; false if the task ends here at once and the delegate's token is
    /// cancelled later, by a message (a cluster's silo).
    /// </summary>
    protected virtual bool CancellationReachesTheDelegateBeforeTheTaskEnds => true;

    /// <summary>True if a map's running chunk is known to run no further item once the map is cancelled; false if its silo may run it on (a cluster).</summary>
    protected virtual bool CancelledChunksStopBeforeTheirNextItem => true;

    /// <summary>How many pools the small-pool race creates (each process pool starts a process).</summary>
    protected virtual int SmallPoolRaceRounds => 300;

    private WorkerPool CreatePool(int workerCount) => CreatePool(new PoolOptions { WorkerCount = workerCount });

    /// <summary>Checks that <paramref name="e"/> is the delegate's <typeparamref name="T"/> with this message, as this pool delivers it.</summary>
    protected void AssertTheDelegates<T>(Exception? e, string message)
        where T : Exception
    {
        if (DelegateExceptionsArriveAsThemselves)
        {
            Assert.Equal(message, Assert.IsType<T>(e).Message);
        }
        else
        {
            RemoteException remote = Assert.IsType<RemoteException>(e);
            Assert.Equal(typeof(T).FullName, remote.RemoteType);
            Assert.Contains(message, remote.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Where a delegate runs: its process and thread (a thread pool's workers differ by thread, a process pool's by process).</summary>
    protected static long WorkerId() => ((long)Environment.ProcessId << 32) | (uint)Environment.CurrentManagedThreadId;

    [Fact]
    public void Apply_ReturnsTheResult_ForEveryFunctionShape()
    {
        using WorkerPool pool = CreatePool(2);

        Assert.Equal(42, pool.Apply(static () => 42));
        Assert.Equal(49, pool.Apply(static (int x) => x * x, 7));
        Assert.Equal("ab", pool.Apply(static (string a, string b) => a + b, "a", "b"));
        Assert.Equal(6L, pool.Apply(static (long a, long b, long c) => a + b + c, 1L, 2L, 3L));
    }

    [Fact]
    public async Task Submit_ReturnsTasks_ForEveryShape()
    {
        await using WorkerPool pool = CreatePool(2);
        using SharedValue<int> actions = SharedValue.Create(0);

        Assert.Equal(1, await pool.Submit(static () => 1));
        Assert.Equal(4, await pool.Submit(static (int x) => x + 2, 2));
        Assert.Equal(6, await pool.Submit(static (int a, int b) => a * b, 2, 3));
        Assert.Equal("xyz", await pool.Submit(static (char a, char b, char c) => $"{a}{b}{c}", 'x', 'y', 'z'));
        await pool.Submit(() => { actions.Add(1); });
        await pool.Submit(static (SharedValue<int> n) => { n.Add(10); }, actions);

        Assert.Equal(11, actions.Value);
    }

    [Fact]
    public async Task Submit_WhenTheDelegateThrows_TheTaskFailsWithItsException_AndThePoolGoesOn()
    {
        await using WorkerPool pool = CreatePool(1);

        Task<int> failing = pool.Submit(static int () => throw new InvalidOperationException("boom"));
        Exception? caught = await Record.ExceptionAsync(() => failing);

        AssertTheDelegates<InvalidOperationException>(caught, "boom");
        Assert.Equal(3, await pool.Submit(static () => 3));
    }

    [Fact]
    public void Apply_WhenTheDelegateThrows_ThrowsItsException_NotAnAggregate()
    {
        using WorkerPool pool = CreatePool(1);

        Exception? e = Record.Exception(() => pool.Apply(static (int x) => x > 0 ? throw new ArgumentException("bad x") : x, 1));

        AssertTheDelegates<ArgumentException>(e, "bad x");
    }

    [Fact]
    public async Task ApplyAsync_CallsTheCallbackWithTheResult_BeforeItsTaskCompletes()
    {
        await using WorkerPool pool = CreatePool(2);
        var results = new ConcurrentQueue<int>();
        var errors = new ConcurrentQueue<Exception>();

        int result = await pool.ApplyAsync(static (int x) => x * 10, 4, callback: results.Enqueue, errorCallback: errors.Enqueue);

        Assert.Equal(40, result);
        Assert.Equal([40], results);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ApplyAsync_CallsTheErrorCallbackWithTheException_AndTheTaskFailsWithIt()
    {
        await using WorkerPool pool = CreatePool(2);
        var results = new ConcurrentQueue<int>();
        var errors = new ConcurrentQueue<Exception>();

        Task<int> task = pool.ApplyAsync(static (string s) => s.Length > 0 ? throw new FormatException("not a number") : 0, "x", results.Enqueue, errors.Enqueue);
        Exception? caught = await Record.ExceptionAsync(() => task);

        AssertTheDelegates<FormatException>(caught, "not a number");
        Assert.Same(caught, Assert.Single(errors));
        Assert.Empty(results);
    }

    [Fact]
    public async Task ApplyAsync_WithAnAction_CallsTheMatchingCallback()
    {
        await using WorkerPool pool = CreatePool(2);
        int succeeded = 0;
        var errors = new ConcurrentQueue<Exception>();

        await pool.ApplyAsync(static () => { }, callback: () => Interlocked.Increment(ref succeeded), errorCallback: errors.Enqueue);
        await pool.ApplyAsync(static (int _) => { }, 1, callback: () => Interlocked.Increment(ref succeeded), errorCallback: errors.Enqueue);
        Task failing = pool.ApplyAsync(static (int _) => throw new InvalidOperationException("no"), 1, () => Interlocked.Increment(ref succeeded), errors.Enqueue);
        Exception? caught = await Record.ExceptionAsync(() => failing);

        Assert.Equal(2, succeeded);
        AssertTheDelegates<InvalidOperationException>(caught, "no");
        Assert.Same(caught, Assert.Single(errors));
    }

    [Fact]
    public async Task ApplyAsync_WhenTheCallbackThrows_TheTaskFailsWithTheCallbacksException()
    {
        await using WorkerPool pool = CreatePool(1);

        // The callback runs in this process, whatever the pool: its exception is itself.
        Task<int> task = pool.ApplyAsync(static () => 1, callback: _ => throw new InvalidOperationException("callback"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => task);

        Assert.Equal("callback", e.Message);
        Assert.Equal(2, await pool.Submit(static () => 2));
    }

    [Fact]
    public void NullDelegates_AreRefused()
    {
        using WorkerPool pool = CreatePool(1);

        PoolTestSupport.Refuses<ArgumentNullException>(() => pool.Submit((Func<int>)null!));
        PoolTestSupport.Refuses<ArgumentNullException>(() => pool.ApplyAsync((Action)null!));
        Assert.Throws<ArgumentNullException>(() => pool.Apply((Action<int>)null!, 1));
        Assert.Throws<ArgumentNullException>(() => pool.Map((Func<int, int>)null!, [1]));
        Assert.Throws<ArgumentNullException>(() => pool.Map(static (int x) => x, null!));
    }

    [Fact]
    public async Task WhenEachAndWhenAny_AreAsCompletedAndFirstCompleted()
    {
        await using WorkerPool pool = CreatePool(2);
        using var gate = SharedEvent.Create();
        Task<int> slow = pool.Submit(
            static (SharedEvent g) =>
            {
                g.Hold();
                return 1;
            },
            gate);
        Task<int> fast = pool.Submit(static () => 2);

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
        await using WorkerPool pool = CreatePool(2);
        var results = new ConcurrentQueue<string>();

        await pool.ApplyAsync(static () => "0", results.Enqueue);
        await pool.ApplyAsync(static (int a) => $"{a}", 1, results.Enqueue);
        await pool.ApplyAsync(static (int a, int b) => $"{a}{b}", 1, 2, results.Enqueue);
        await pool.ApplyAsync(static (int a, int b, int c) => $"{a}{b}{c}", 1, 2, 3, results.Enqueue);

        Assert.Equal(["0", "1", "12", "123"], results);
    }

    [Fact]
    public async Task ApplyAsync_TellsTheErrorCallback_OfACancellation()
    {
        await using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using var cts = new CancellationTokenSource();
        var errors = new ConcurrentQueue<Exception>();
        Task first = pool.Submit(static (SharedEvent g) => g.Hold(), gate);

        Task<int> queued = pool.ApplyAsync(static () => 1, errorCallback: errors.Enqueue, cancellationToken: cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.True(queued.IsCanceled);
        Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(errors));
        gate.Set();
        await first;
    }
}
