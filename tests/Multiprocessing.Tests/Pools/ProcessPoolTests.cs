using System.Diagnostics;
using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// ProcessPool: every pool's tests (<see cref="WorkerPoolTestBase"/>) over worker processes, and what only a pool of
/// processes does: encoded delegates, workers that die, are killed or ignore SIGTERM, initializers in other processes.
/// </summary>
public sealed class ProcessPoolTests : WorkerPoolTestBase
{
    /// <summary>Set by the initializer of <see cref="Initializer_RunsOncePerWorker_BeforeItsTasks"/> in each worker.</summary>
    private static bool initializedHere;

    protected override bool DelegateExceptionsArriveAsThemselves => false;

    protected override bool CancellingStopsARunningTask => true;

    protected override bool StoppedTasksStopRunning => true;

    protected override int SmallPoolRaceRounds => 10;

    protected override WorkerPool CreatePool(PoolOptions options) => new ProcessPool(options);

    /// <summary>A grace period long enough that a task which stops when its token fires is never killed first, even on a loaded machine.</summary>
    protected override PoolOptions CooperativeCancelOptions(int workerCount) => new ProcessPoolOptions { WorkerCount = workerCount, CancelGracePeriod = Within.Deadline };

    [Fact]
    public async Task ATaskTakingATokenThatIgnoresIt_IsKilledAfterTheGracePeriod_AndItsWorkerReplaced()
    {
        await using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = TimeSpan.FromMilliseconds(300) });
        using SharedValue<int> started = SharedValue.Create(0);
        using var cts = new CancellationTokenSource();
        int worker = await pool.Submit(static () => Environment.ProcessId);

        Task<int> task = pool.Submit(
            static (SharedValue<int> s, CancellationToken ct) =>
            {
                s.Add(1);
                Thread.Sleep(Within.Deadline); // Does not look at its token.
                return 0;
            },
            started,
            cts.Token);
        PoolTestSupport.Eventually(() => started.Value == 1, () => "the task's start");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Within.Deadline));
        Assert.True(task.IsCanceled);
        Assert.NotEqual(worker, await pool.Submit(static () => Environment.ProcessId)); // Killed, and replaced.
    }

    [Fact]
    public void CapturingACancellationToken_IsRefused_WithAMessageThatSaysToTakeItAsAParameter()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        using var cts = new CancellationTokenSource();

        Exception? e = Record.Exception(() => { _ = pool.Submit(CapturingToken(cts.Token)); });

        Assert.NotNull(e);
        Assert.Contains("as a parameter", e.Message, StringComparison.Ordinal);
        Assert.Contains("(CancellationToken ct)", e.Message, StringComparison.Ordinal);
    }

    private static Func<bool> CapturingToken(CancellationToken token) => () => token.IsCancellationRequested;

    [Fact]
    public void AnArgumentThatCannotCross_IsRefused_WithAMessageThatPointsToWorkerState()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        using var stream = new MemoryStream();

        Exception? e = Record.Exception(() => { _ = pool.Submit(static (Stream s) => s.Length, (Stream)stream); });

        Assert.IsType<ArgumentException>(e);
        Assert.Contains("pool.WithWorkerState(() => new ...)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tasks_RunInWorkerProcesses()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        int[] pids = pool.Map(static (int _) => Environment.ProcessId, Enumerable.Range(0, 20), chunkSize: 1);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.Subset(pool.WorkerPids.ToHashSet(), pids.ToHashSet());
    }

    [Fact]
    public async Task ApplyAsync_ClosuresAndActions_Work()
    {
        await using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        int offset = 100;
        Assert.Equal(105, await pool.Submit(x => x + offset, 5));
        using var flag = SharedEvent.Create();
        await pool.Submit(static (SharedEvent e) => e.Set(), flag);
        Assert.True(flag.IsSet);
    }

    [Fact]
    public void AnArgumentThatCannotBeEncoded_FailsInTheCaller()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        ArgumentException e = Assert.Throws<ArgumentException>(() => pool.Apply(static (Stream s) => s.Length, new MemoryStream()));
        Assert.Contains("Stream", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.Apply(static () => 1));
    }

    [Fact]
    public async Task AWorkerKilledMidTask_FailsOnlyThatTask_TheRestComplete_AndThePoolKeepsItsSize()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        (Task<int> doomed, int victim) = pool.SubmitHangingTask();
        Task<int[]> others = Task.WhenAll(Enumerable.Range(0, 40).Select(i => pool.Submit(static (int x) => x * 2, i)));
        Process.GetProcessById(victim).Kill();

        ProcessDiedException died = await Assert.ThrowsAsync<ProcessDiedException>(() => doomed.WaitAsync(Within.Deadline));
        Assert.Contains(victim.ToString(System.Globalization.CultureInfo.InvariantCulture), died.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * 2), await others.WaitAsync(Within.Deadline));
        Assert.Equal(2, pool.WorkerPids.Count);
        Assert.DoesNotContain(victim, pool.WorkerPids);
        Assert.Equal(5, pool.Apply(static () => 5));
    }

    [Fact]
    public void ATasksTimeout_CountsFromWhenItsWorkerIsReady_NotFromTheWorkersStart()
    {
        // The initializer takes longer than the timeout: the first task, sent while it runs, must not time out.
        using var pool = new ProcessPool(new PoolOptions
        {
            WorkerCount = 1,
            TaskTimeout = TimeSpan.FromMilliseconds(300),
            Initializer = static () => Thread.Sleep(1000),
        });
        Assert.Equal(42, pool.Apply(static () => 42));
    }

    [Fact]
    public async Task AWorkerKilledBeforeItIsReady_ItsTaskRunsOnTheReplacement_AndNoQueuePlaceIsLost()
    {
        using var firstSeen = SharedEvent.Create();
        using var pool = new ProcessPool(new PoolOptions
        {
            WorkerCount = 1,
            MaxQueuedTasks = 1,
            WhenQueueFull = QueueFullBehavior.Throw,
            Initializer = () =>
            {
                if (!firstSeen.IsSet)
                {
                    firstSeen.Set();
                    Thread.Sleep(Timeout.Infinite); // The first worker never gets ready: the test kills it.
                }
            },
        });
        Task<int> task = pool.ApplyAsync(static () => 7);
        Assert.True(firstSeen.TryWait(Within.Deadline));
        System.Diagnostics.Process.GetProcessById(pool.WorkerPids.Single()).Kill();

        Assert.Equal(7, await task.WaitAsync(Within.Deadline)); // It never ran: it goes to the new worker.
        Assert.Equal(8, await pool.ApplyAsync(static () => 8).WaitAsync(Within.Deadline)); // Its queue place came back.
    }

    [Fact]
    public async Task ATaskCancelledBeforeItsWorkerIsReady_IsStoppedWhenItStarts()
    {
        using var initializing = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, Initializer = PoolTestSupport.InitializerWaitingFor(initializing, go) });
        using var cts = new CancellationTokenSource();
        Task<int> task = pool.Submit(static () =>
        {
            CurrentProcess.TerminationToken.WaitHandle.WaitOne(); // Runs until the worker gets SIGTERM.
            return 1;
        }, cts.Token);
        Assert.True(initializing.TryWait(Within.Deadline));
        cts.Cancel(); // Sent to the worker, which is not ready: the task has not started.
        go.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Within.Deadline));
        Assert.Equal(3, pool.Apply(static () => 3));
    }

    [Fact]
    public async Task WorkersThatDieBeforeTheyAreReady_BreakThePool_InsteadOfLoopingForEver()
    {
        using var pool = new ProcessPool(new PoolOptions
        {
            WorkerCount = 1,
            Initializer = static () => Environment.FailFast("this initializer always crashes the worker"),
        });
        Task<int> task = pool.ApplyAsync(static () => 1);
        BrokenPoolException broken = await Assert.ThrowsAsync<BrokenPoolException>(() => task.WaitAsync(Within.Deadline));
        Assert.Contains("died before they were ready", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHundredWorkerDeathsInARow_LeaveNoZombieAndNoExtraWorker()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        var seen = new HashSet<int>();
        for (int i = 0; i < 100; i++)
        {
            seen.UnionWith(pool.WorkerPids);
            Assert.Throws<ProcessDiedException>(() => pool.Apply(static () => Die()));
        }

        Assert.Equal(7, pool.Apply(static () => 7));
        Assert.Equal(2, pool.WorkerPids.Count);
        Assert.Equal(2, pool.Counters.WorkersAlive);

        // Only this pool's workers: other tests run beside this one, and a child of theirs that has just exited is
        // a zombie until its monitor reaps it, a moment later.
        foreach (int pid in seen)
        {
            string status;
            try
            {
                status = File.ReadAllText($"/proc/{pid}/status");
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }

            bool mine = status.Contains($"PPid:\t{Environment.ProcessId}\n", StringComparison.Ordinal);
            Assert.False(mine && status.Contains("State:\tZ", StringComparison.Ordinal), $"child {pid} is a zombie");
        }
    }

    [Fact]
    public void AMillionTinyTasks_ReturnEveryResultExactlyOnce()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        long[] results = pool.Map(static (int x) => (long)x * 3, Enumerable.Range(0, 1_000_000));
        Assert.Equal(1_000_000, results.Length);
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(3L * i, results[i]);
        }
    }

    [Fact]
    public async Task AnInitializerThatThrows_BreaksThePool_WithItsException()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, Initializer = static () => throw new InvalidOperationException("no init") });
        BrokenPoolException e = await Assert.ThrowsAsync<BrokenPoolException>(() => pool.Submit(static () => 1).WaitAsync(Within.Deadline));
        RemoteException inner = Assert.IsType<RemoteException>(e.InnerException);
        Assert.Contains("no init", inner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Initializer_RunsOncePerWorker_BeforeItsTasks()
    {
        using var count = SharedValue.Create(0);
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2, Initializer = () => { count.Add(1); initializedHere = true; } });
        Assert.Equal(Enumerable.Range(0, 100), pool.Map(static (int x) => initializedHere ? x : -1, Enumerable.Range(0, 100), chunkSize: 1));

        // A worker still in its initializer may have had its tasks taken by the other: it has run it once it exits.
        pool.Dispose();
        Assert.Equal(2, count.Value);
    }

    [Fact]
    public async Task CancelGracePeriod_Infinite_LeavesAWorkerThatIgnoresSigtermRunning_UntilItsTaskEnds()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = Timeout.InfiniteTimeSpan });
        using var started = SharedEvent.Create();
        using var termSeen = SharedEvent.Create();
        using var finish = SharedEvent.Create();
        int pid = pool.WorkerPids.Single();
        using var cts = new CancellationTokenSource();
        Task<int> running = pool.Submit(static (SharedEvent started, SharedEvent seen, SharedEvent done) =>
        {
            // Watching the token keeps SIGTERM from ending the process; the task goes on until told.
            using CancellationTokenRegistration r = CurrentProcess.TerminationToken.Register(seen.Set);
            started.Set();
            return done.TryWait(TimeSpan.FromMinutes(2)) ? 1 : 0;
        }, started, termSeen, finish, cts.Token);

        Assert.True(started.TryWait(Within.Deadline));
        cts.Cancel();
        Assert.True(termSeen.TryWait(Within.Deadline), "the worker got SIGTERM");

        // Longer than the default grace period (2 s), after which the worker would have been killed.
        Task first = await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(2.5)));
        Assert.NotSame(running, first);
        Assert.Equal(pid, pool.WorkerPids.Single());

        finish.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Within.Deadline));
        Assert.Equal(5, pool.Apply(static () => 5));
        Assert.NotEqual(pid, pool.WorkerPids.Single());
    }

[Fact]
    public async Task ACancelledTaskWhoseResultArrivesAnyway_CountsAsFailed()
    {
        // Its worker ignores SIGTERM (it watches the token) and is never killed, so its result arrives after the
        // cancel: the task ends cancelled, and must be counted so.
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = Timeout.InfiniteTimeSpan });
        using var started = SharedEvent.Create();
        using var termSeen = SharedEvent.Create();
        using var cts = new CancellationTokenSource();
        Task<int> running = pool.Submit(PoolTestSupport.ReturnsOnSigterm, started, termSeen, cts.Token);
        started.WaitOrFail("the task");

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Within.Deadline));
        PoolCounters c = pool.Counters;
        Assert.Equal((0L, 1L), (c.Completed, c.Failed));
    }

    [Fact]
    public void ProcessPoolOptions_AreForProcessPoolsOnly_AndValidated()
    {
        Assert.Throws<ArgumentException>(() => new ThreadWorkerPool(new ProcessPoolOptions { CancelGracePeriod = TimeSpan.FromSeconds(1) }));
        Assert.Throws<ArgumentException>(() => new ThreadWorkerPool(new ProcessPoolOptions { WorkerCount = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPool(new ProcessPoolOptions { CancelGracePeriod = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPool(new ProcessPoolOptions { MaxMemoryPerWorker = 0 }));
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = TimeSpan.Zero });
        Assert.Equal(TimeSpan.Zero, pool.CancelGracePeriod);
        using var common = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        Assert.Equal(ProcessPool.DefaultCancelGracePeriod, common.CancelGracePeriod);

        // ProcessPoolOptions held as PoolOptions: the pool still reads what only process pools take.
        PoolOptions asCommon = new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = TimeSpan.FromSeconds(7) };
        using var fromCommon = new ProcessPool(asCommon);
        Assert.Equal(TimeSpan.FromSeconds(7), fromCommon.CancelGracePeriod);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AWorkerPastItsMemoryLimit_IsReplacedAfterItsTask_EvenOneThatThrew(bool throws)
    {
        // Every worker is past a 1-byte limit: each runs one task, then a fresh one takes the next. A task that
        // threw used to lose the flag (its Error frame was written afresh), and its worker ran on.
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, MaxMemoryPerWorker = 1 });
        int first = throws
            ? Assert.Throws<RemoteException>(() => pool.Apply(static int () => throw new InvalidOperationException("boom"))).ProcessId!.Value
            : pool.Apply(static () => Environment.ProcessId);

        int second = pool.Apply(static () => Environment.ProcessId);

        Assert.NotEqual(first, second);
        Assert.True(pool.Counters.WorkersStarted >= 2, $"{pool.Counters}");
    }

    [Fact]
    public void AStackOverflowInATask_FailsOnlyThatTask()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        ProcessDiedException overflow = Assert.Throws<ProcessDiedException>(() => pool.Apply(static () => Recurse(0)));
        Assert.NotEqual(0, overflow.ExitCode);
        Assert.Equal(4, pool.Apply(static () => 4));
    }

    /// <summary>An initializer that says it runs, then waits for <paramref name="go"/> (its own closure, with these two only).</summary>
    private static int Recurse(int depth) => depth < 0 ? 0 : Recurse(depth + 1) + 1;

    private static int Die()
    {
        Environment.FailFast("a worker dies on purpose");
        return 0;
    }
}
