using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A pool of workers that run delegates (Python's <c>multiprocessing.Pool</c>, <c>multiprocessing.pool.ThreadPool</c>
/// and <c>concurrent.futures</c> executors, in one API): <see cref="ThreadWorkerPool"/> runs them on threads of
/// this process; a process pool runs them in worker processes.
/// </summary>
/// <remarks>
/// <para>
/// Calls: <c>Apply</c> runs one call and waits for it; <c>ApplyAsync</c> and <c>Submit</c> return its
/// <see cref="Task"/> at once (<c>ApplyAsync</c> can also take a success and an error callback, as Python's
/// <c>apply_async(callback=, error_callback=)</c>). <c>Map</c>, <c>Starmap</c> and their <c>Async</c> twins run a
/// function over many items, cut into chunks, and return the results in input order; <c>Imap</c> and
/// <c>ImapUnordered</c> stream them, reading the input only a bounded distance ahead.
/// </para>
/// <para>
/// Python's <c>concurrent.futures.as_completed(futures)</c> is <c>await foreach (var t in Task.WhenEach(tasks))</c>;
/// <c>wait(futures, return_when=FIRST_COMPLETED)</c> is <c>await Task.WhenAny(tasks)</c>; <c>ALL_COMPLETED</c> is
/// <c>await Task.WhenAll(tasks)</c>. A task's exception reaches whoever awaits it; the pool carries on.
/// </para>
/// <para>
/// Life: <see cref="Close"/> refuses new work and lets queued work finish; <see cref="Terminate"/> refuses new
/// work and fails queued and running tasks now with a <see cref="PoolTerminatedException"/>; <see cref="Join()"/>
/// waits, after either, until every worker has stopped. <see cref="Dispose"/> (the end of a <c>using</c> block)
/// is <see cref="Close"/> then <see cref="Join()"/>: every task already submitted runs to its end first. That is
/// what <c>concurrent.futures</c>' <c>with</c> does (<c>shutdown(wait=True)</c>), and not what
/// <c>multiprocessing.Pool</c>'s <c>with</c> does (it terminates): leaving a block must not fail the tasks that
/// were handed out inside it. Call <see cref="Terminate"/> first to stop at once. When the program ends
/// (<c>Main</c> returns) with pools still open, each is closed and waited for, so that a task submitted and never
/// awaited still runs, as <c>concurrent.futures</c> executors are joined at exit.
/// </para>
/// <para>
/// Continuations of the tasks a pool returns never run on its workers, so awaiting code cannot take a worker
/// away from the pool; callbacks run on a .NET thread-pool thread as soon as their task ends, before the task
/// returned by <c>ApplyAsync</c> completes.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var pool = new ThreadWorkerPool(4);
/// int[] squares = pool.Map((int x) => x * x, Enumerable.Range(0, 1000));
/// Task&lt;long&gt; sum = pool.Submit((int n) => Enumerable.Range(0, n).Sum(i => (long)i), 1_000_000);
/// Console.WriteLine(await sum);
/// </code>
/// </example>
public abstract partial class WorkerPool : IDisposable, IAsyncDisposable
{
    private readonly Completion stopped = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim? queueSlots;
    private readonly QueueFullBehavior whenQueueFull;
    private readonly int? maxQueuedTasks;
    private readonly Lock stateGate = new();
    private readonly Lock tallyGate = new();
    private readonly List<WorkerTally> liveTallies = [];
    private PaddedLong submitted;
    private int state;
    private int disposed;
    private Exception? stopCause;
    private string? terminatedBy;
    private long workersStarted;
    private long retiredStarted;
    private long retiredSucceeded;
    private long retiredFailed;
    private long dropped;
    private long stoppedByPool;

    /// <summary>Validates <paramref name="options"/> and sets the pool up; a subclass starts no worker before it returns.</summary>
    /// <param name="options">The options; null for the defaults.</param>
    /// <param name="defaultName">The name to use when <see cref="PoolOptions.Name"/> is not given, such as <c>ThreadWorkerPool-1</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or a time in <paramref name="options"/> is zero or negative.</exception>
    private protected WorkerPool(PoolOptions? options, string defaultName)
    {
        options ??= new PoolOptions();
        int workers = options.WorkerCount ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1, "options.WorkerCount");
        if (options.MaxTasksPerWorker is int maxTasks)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxTasks, 1, "options.MaxTasksPerWorker");
        }

        if (options.TaskTimeout is TimeSpan timeout && timeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, "options.TaskTimeout");
        }

        if (options.MaxQueuedTasks is int maxQueued)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxQueued, 1, "options.MaxQueuedTasks");
            queueSlots = new SemaphoreSlim(maxQueued, maxQueued);
        }

        if (!Enum.IsDefined(options.WhenQueueFull))
        {
            throw new ArgumentOutOfRangeException("options.WhenQueueFull", options.WhenQueueFull, "Not a QueueFullBehavior.");
        }

        WorkerCount = workers;
        Name = options.Name ?? defaultName;
        Metrics = new PoolMetrics(this, options.MeterFactory);
        Initializer = options.Initializer;
        MaxTasksPerWorker = options.MaxTasksPerWorker ?? 0;
        TaskTimeout = options.TaskTimeout ?? Timeout.InfiniteTimeSpan;
        maxQueuedTasks = options.MaxQueuedTasks;
        whenQueueFull = options.WhenQueueFull;
        PoolRegistry.Pools.Add(this);
    }

    /// <summary>The pool's name (<see cref="PoolOptions.Name"/>, or <c>ThreadWorkerPool-N</c> / <c>ProcessPool-N</c>); workers are named after it.</summary>
    public string Name { get; }

    /// <summary>The most workers the pool runs at once (<see cref="PoolOptions.WorkerCount"/>, by default <see cref="Environment.ProcessorCount"/>).</summary>
    public int WorkerCount { get; }

    /// <summary>A snapshot of the pool's workers and tasks: alive, idle and started workers; queued, running, completed and failed tasks.</summary>
    /// <remarks>Cheap enough to poll, and safe at any time, after <see cref="Dispose"/> too. See <see cref="PoolCounters"/> for what each number counts.</remarks>
    public PoolCounters Counters
    {
        get
        {
            // Ends are read before starts, and starts before submissions, so that no count comes out negative
            // while tasks move through the pool.
            lock (tallyGate)
            {
                long succeeded = retiredSucceeded;
                long failed = retiredFailed;
                int idle = 0;
                foreach (WorkerTally t in liveTallies)
                {
                    succeeded += t.SucceededCount;
                    failed += t.FailedCount;
                    idle += t.IsIdle ? 1 : 0;
                }

                long stoppedNow = Volatile.Read(ref stoppedByPool);
                long droppedNow = Volatile.Read(ref dropped);
                long started = retiredStarted;
                foreach (WorkerTally t in liveTallies)
                {
                    started += t.StartedCount;
                }

                long submittedNow = Volatile.Read(ref submitted.Value);
                return new PoolCounters(
                    WorkersAlive: liveTallies.Count,
                    WorkersIdle: idle,
                    WorkersStarted: workersStarted,
                    Queued: Math.Max(0, submittedNow - started - droppedNow),
                    Running: (int)Math.Max(0, started - succeeded - failed - stoppedNow),
                    Completed: succeeded,
                    Failed: failed + stoppedNow + droppedNow);
            }
        }
    }

    /// <summary>What every worker runs before its first task (<see cref="PoolOptions.Initializer"/>).</summary>
    private protected Action? Initializer { get; }

    /// <summary>Tasks after which a worker is replaced; 0 for no limit.</summary>
    private protected int MaxTasksPerWorker { get; }

    /// <summary>The per-task timeout (<see cref="PoolOptions.TaskTimeout"/>); <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    private protected TimeSpan TaskTimeout { get; }

    /// <summary>Where the pool is in its life; read it without a lock, it only moves forward.</summary>
    private protected PoolState State => (PoolState)Volatile.Read(ref state);

    /// <summary>
    /// A new exception for one queued or running task that the pool ends because it is Terminated (a
    /// <see cref="PoolTerminatedException"/>) or Broken (a <see cref="BrokenPoolException"/> with the cause inside).
    /// Each task gets its own: one exception object awaited on several threads would have its stack trace rewritten by all of them.
    /// </summary>
    /// <returns>The exception to fail the task with.</returns>
    private protected Exception StopException() => State == PoolState.Broken
        ? new BrokenPoolException(BrokenMessage(), Volatile.Read(ref stopCause))
        : new PoolTerminatedException($"The pool {Name} was terminated{TerminatedByText()} before this task finished.");

    /// <summary>True on one of this pool's own workers (where <see cref="Join()"/> would wait for itself).</summary>
    private protected virtual bool IsWorkerThread => false;

    /// <summary>True if the pool's tasks run in other processes, so that it encodes its delegates (a <see cref="WorkerStatePool{TState}"/> then encodes its factory too).</summary>
    internal virtual bool EncodesDelegates => false;

    /// <summary>
    /// Stops accepting work (Python's <c>close()</c>): later submissions throw an <see cref="InvalidOperationException"/>;
    /// tasks already queued or running finish, then the workers stop. Returns at once; <see cref="Join()"/> waits.
    /// </summary>
    /// <remarks>Calling it again, or after <see cref="Terminate"/>, does nothing.</remarks>
    public void Close()
    {
        lock (stateGate)
        {
            if (state != (int)PoolState.Open)
            {
                return;
            }

            Volatile.Write(ref state, (int)PoolState.Closed);
        }

        stopping.Cancel();
        OnClose();
    }

    /// <summary>
    /// Stops now (Python's <c>terminate()</c>): later submissions throw an <see cref="InvalidOperationException"/>,
    /// and every task that is queued or running fails at once with a <see cref="PoolTerminatedException"/>.
    /// Returns at once; <see cref="Join()"/> waits for the workers to stop.
    /// </summary>
    /// <remarks>
    /// A <see cref="ThreadWorkerPool"/> cannot stop a thread in the middle of a delegate: the delegates running
    /// now go on to their end (their results are thrown away), then their threads stop; <see cref="Join()"/>
    /// waits for that. A process pool kills its workers. Calling it again, or on a broken pool, does nothing.
    /// </remarks>
    public void Terminate() => Stop(PoolState.Terminated, null, null);

    /// <summary>Waits until every worker has stopped, after <see cref="Close"/> or <see cref="Terminate"/> (Python's <c>join()</c>).</summary>
    /// <exception cref="InvalidOperationException">The pool is still open (call <see cref="Close"/> or <see cref="Terminate"/> first), or this is one of the pool's own workers.</exception>
    public void Join() => Joinable().Wait();

    /// <summary>Waits at most <paramref name="timeout"/> until every worker has stopped, after <see cref="Close"/> or <see cref="Terminate"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <returns>True if every worker has stopped; false if the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite) or too large.</exception>
    /// <exception cref="InvalidOperationException">The pool is still open, or this is one of the pool's own workers.</exception>
    public bool Join(TimeSpan timeout) => Joinable().Wait(timeout);

    /// <summary>Waits asynchronously until every worker has stopped, after <see cref="Close"/> or <see cref="Terminate"/>.</summary>
    /// <param name="cancellationToken">Stops the wait (not the pool).</param>
    /// <returns>A task that completes when every worker has stopped.</returns>
    /// <exception cref="InvalidOperationException">The pool is still open, or this is one of the pool's own workers.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (through the task).</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default) => Joinable().WaitAsync(cancellationToken);

    /// <summary>
    /// <see cref="Close"/>, then <see cref="Join()"/>: tasks already submitted run to their end, then the workers
    /// stop. Called at the end of a <c>using</c> block; see the class remarks for why it does not terminate.
    /// </summary>
    /// <remarks>On one of the pool's own workers it only closes (waiting there would wait for itself). Later submissions throw an <see cref="ObjectDisposedException"/>.</remarks>
    public void Dispose()
    {
        Volatile.Write(ref disposed, 1);
        Close();
        if (!IsWorkerThread)
        {
            stopped.Wait();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary><see cref="Close"/>, then waits asynchronously until every worker has stopped: the asynchronous <see cref="Dispose"/>.</summary>
    /// <returns>A task that completes when every worker has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref disposed, 1);
        Close();
        if (!IsWorkerThread)
        {
            await stopped.Task.ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Core: queue one call and return its task. The base has already checked that the pool is open, taken a
    /// place in a bounded queue, and counted the task as submitted.
    /// </summary>
    /// <remarks>
    /// The returned task must: complete with the result, or fail with the delegate's exception as itself, a
    /// <see cref="TimeoutException"/> past <see cref="TaskTimeout"/>, <see cref="StopException"/> on
    /// terminate, or be cancelled through <paramref name="cancellationToken"/> while still queued; run its
    /// continuations asynchronously; and be counted exactly once (see <see cref="WorkerTally"/>,
    /// <see cref="CountDropped"/>, <see cref="CountStoppedByPool"/>) before it completes. If the pool stopped
    /// accepting while the call was being queued, take it back and throw <see cref="NotAcceptingException"/>;
    /// the base then undoes its count.
    /// </remarks>
    private protected abstract Task<TResult> RunAsync<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken);

    /// <summary>
    /// Set on a thread while an <c>Apply</c> submits its call (see <see cref="SubmitApplied{TState, TTask}"/>): the caller
    /// will wait for that call's result at once, on this thread (a core may let it read the result itself). Taken
    /// (read and cleared) into the call's <see cref="WorkItem{TResult}.CallerWaits"/> first thing in <see cref="Run{TResult}"/>,
    /// before any code of the user's can run (an activity listener, a nested submission); cleared by the base when
    /// the submission returns or throws.
    /// </summary>
    [ThreadStatic]
    private static bool applying;

    /// <summary>
    /// Core: the caller of an <c>Apply</c> waits for <paramref name="task"/>, the task it just submitted on this thread.
    /// A core may use the wait (a process pool reads the result off its worker's pipe on this thread instead of being
    /// woken by its reader thread); it returns once the task has completed or the core can do no more, and the base
    /// then waits for the task as usual. The base does nothing.
    /// </summary>
    private protected virtual void WaitApplied(Task task)
    {
    }

    /// <summary>
    /// Core: queue one chunk of a map-style call and return its task, which completes with one result per item,
    /// in order, or fails with the first exception (the rest of the chunk does not run). Same rules as
    /// <see cref="RunAsync{TResult}"/>; a chunk is one task. Check <paramref name="cancellationToken"/> between
    /// items where the pool can: the base cancels it when the caller stops consuming or another chunk failed.
    /// </summary>
    private protected abstract Task<TResult[]> RunChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken);

    /// <summary>
    /// True if <see cref="RunChunkAsync"/> is done with a chunk's <see cref="ChunkItem{TArgs, TResult}.Items"/> when
    /// it returns (a process pool encodes them then): a map's copy of its input can then go back to a pool as
    /// soon as every chunk is submitted.
    /// </summary>
    private protected virtual bool TakesChunkItemsAtSubmission => false;

    /// <summary>
    /// Core: the pool was just closed (<see cref="State"/> is Closed). Let queued and running tasks finish, then
    /// stop the workers, and call <see cref="SignalStopped"/> once none is left. Called once, without locks held.
    /// </summary>
    private protected abstract void OnClose();

    /// <summary>
    /// Core: the pool was just terminated or broken (<see cref="State"/> says which). Fail every queued and
    /// running task now, each with its own <see cref="StopException"/>, stop the workers, and call
    /// <see cref="SignalStopped"/> once none is left. Called once, without locks held; may follow <see cref="OnClose"/>.
    /// </summary>
    private protected abstract void OnTerminate();

    /// <summary>Core: every worker has stopped after a close or a terminate; <see cref="Join()"/> returns. Safe to call more than once.</summary>
    private protected void SignalStopped()
    {
        stopped.TrySetResult();
        LeaveExitJoin();
        Metrics.PoolStopped(this);
    }

    /// <summary>Core: a worker could not be made ready (its initializer threw): the pool is broken, its tasks fail with a <see cref="BrokenPoolException"/>.</summary>
    /// <param name="cause">What went wrong; the inner exception of the <see cref="BrokenPoolException"/>.</param>
    private protected void BreakPool(Exception cause) => Stop(PoolState.Broken, cause, null);

    /// <summary>
    /// Core: <see cref="Terminate"/> by another of the pool's methods, named in <paramref name="by"/> (with what it
    /// does to the workers): the exceptions of the tasks it fails, and the refusals of later submissions, say it.
    /// <see cref="OnTerminate"/> reads it as <see cref="TerminatedBy"/>. Does nothing if the pool is already terminated or broken.
    /// </summary>
    /// <param name="by">Such as <c>KillWorkers() (its workers were killed)</c>.</param>
    private protected void TerminateBy(string by) => Stop(PoolState.Terminated, null, by);

    /// <summary>What terminated the pool, when it was not <see cref="Terminate"/> (see <see cref="TerminateBy"/>); set before <see cref="OnTerminate"/> runs.</summary>
    private protected string? TerminatedBy => Volatile.Read(ref terminatedBy);

    /// <summary>Core: a new worker begins; returns the tally it counts its tasks in (see <see cref="WorkerTally"/>).</summary>
    /// <returns>The worker's tally, already counted in <see cref="PoolCounters.WorkersAlive"/> and <see cref="PoolCounters.WorkersStarted"/>.</returns>
    private protected WorkerTally AddWorker()
    {
        var tally = new WorkerTally(this);
        lock (tallyGate)
        {
            liveTallies.Add(tally);
            workersStarted++;
        }

        return tally;
    }

    /// <summary>Core: a worker no longer serves the pool (it stopped, or was abandoned to a timed-out task). Do not use its tally afterwards.</summary>
    /// <param name="tally">The tally <see cref="AddWorker"/> gave it.</param>
    private protected void RetireWorker(WorkerTally tally)
    {
        lock (tallyGate)
        {
            if (liveTallies.Remove(tally))
            {
                retiredStarted += tally.StartedCount;
                retiredSucceeded += tally.SucceededCount;
                retiredFailed += tally.FailedCount;
            }
        }
    }

    /// <summary>Core: queued tasks ended without starting (cancelled, or failed by a terminate); frees their places in a bounded queue. Call before completing their tasks.</summary>
    /// <param name="tasks">How many.</param>
    private protected void CountDropped(int tasks = 1)
    {
        Interlocked.Add(ref dropped, tasks);
        ReleaseQueueSlot(tasks);
    }

    /// <summary>Core: counts as failed a running task that the pool stopped, not its worker (a timeout, a cancel, a terminate), and measures it. Call before completing its task.</summary>
    /// <param name="startedAt">When it started (<see cref="PoolMetrics.TaskStarting"/>).</param>
    /// <param name="outcome">Why it ended.</param>
    /// <param name="error">What it fails with.</param>
    private protected void CountStoppedByPool(long startedAt, TaskOutcome outcome, Exception? error)
    {
        Interlocked.Increment(ref stoppedByPool);
        Metrics.TaskEnded(startedAt, outcome, error);
        if (RecordsTasksByTally)
        {
            RecordTaskByTally(null, startedAt, outcome, error);
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the pool is disposed: for members that act on a live pool (not its diagnostics, readable at any time).</summary>
    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);

    /// <summary>The exception a submission gets once the pool does not accept work: disposed, closed, terminated or broken.</summary>
    /// <returns>An <see cref="ObjectDisposedException"/>, an <see cref="InvalidOperationException"/> or a <see cref="BrokenPoolException"/>.</returns>
    private protected Exception NotAcceptingException()
    {
        if (Volatile.Read(ref disposed) != 0)
        {
            return new ObjectDisposedException(Name, $"The pool {Name} is disposed; it accepts no more tasks.");
        }

        return State switch
        {
            PoolState.Closed => new InvalidOperationException($"The pool {Name} is closed; it accepts no more tasks (Close() was called)."),
            PoolState.Terminated => new InvalidOperationException($"The pool {Name} was terminated{TerminatedByText()}; it accepts no more tasks."),
            PoolState.Broken => new BrokenPoolException(BrokenMessage(), Volatile.Read(ref stopCause)),
            _ => new InvalidOperationException($"The pool {Name} is not accepting tasks."),
        };
    }

    /// <summary>Frees places in a bounded queue (a task started or was dropped).</summary>
    internal void ReleaseQueueSlot(int count = 1) => queueSlots?.Release(count);

    private void Stop(PoolState target, Exception? cause, string? by)
    {
        lock (stateGate)
        {
            if (state >= (int)PoolState.Terminated)
            {
                return;
            }

            Volatile.Write(ref stopCause, cause);
            Volatile.Write(ref terminatedBy, by);
            Volatile.Write(ref state, (int)target);
        }

        stopping.Cancel();
        OnTerminate();
    }

    private string TerminatedByText() => TerminatedBy is { } by ? $" by {by}" : string.Empty;

    private string BrokenMessage()
    {
        Exception? cause = Volatile.Read(ref stopCause);
        string why = cause switch
        {
            RemoteException remote => $"a worker's initializer threw {remote.RemoteType}: {remote.RemoteMessage}",
            WorkerFailure failure => failure.Message,
            _ => $"a worker's initializer threw {cause?.GetType().FullName}: {cause?.Message}",
        };
        return $"The pool {Name} is broken: {why} The pool fails its tasks and accepts no more; fix the cause and create a new pool.";
    }

    /// <summary>The pool's stop, for <c>Join</c>: throws while the pool is open or on one of its own workers.</summary>
    private Completion Joinable()
    {
        if (State == PoolState.Open)
        {
            throw new InvalidOperationException($"The pool {Name} is still open: call Close() or Terminate() before Join(), as in Python.");
        }

        if (IsWorkerThread)
        {
            throw new InvalidOperationException($"Join() was called on a worker of the pool {Name}, which would wait for itself.");
        }

        return stopped;
    }

    private void ThrowIfNotAccepting()
    {
        if (Volatile.Read(ref state) != (int)PoolState.Open)
        {
            throw NotAcceptingException();
        }
    }

    /// <summary>Takes a place in a bounded queue, waiting on this thread (or throwing) as <see cref="PoolOptions.WhenQueueFull"/> says.</summary>
    /// <exception cref="QueueFullException">The queue is full and <see cref="PoolOptions.WhenQueueFull"/> is Throw.</exception>
    /// <exception cref="OperationCanceledException">The token fired while waiting.</exception>
    /// <exception cref="InvalidOperationException">The pool stopped accepting tasks while waiting.</exception>
    private void Admit(CancellationToken cancellationToken) => Blocking.Wait(Admit<Blocking>(cancellationToken));

    /// <summary>
    /// The one body of admission, for both forms: a free place (or an unbounded queue) is taken without a state
    /// machine; otherwise <see cref="WaitForPlace"/>.
    /// </summary>
    /// <inheritdoc cref="Admit(CancellationToken)"/>
    private ValueTask Admit<TMode>(CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        if (queueSlots is null || queueSlots.Wait(0, cancellationToken))
        {
            return ValueTask.CompletedTask;
        }

        ThrowIfQueueFullAndNotWaiting();
        return WaitForPlace<TMode>(queueSlots, cancellationToken);
    }

    /// <summary>Waits for a place in <paramref name="slots"/> until the token fires or the pool stops accepting.</summary>
    private async ValueTask WaitForPlace<TMode>(SemaphoreSlim slots, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        try
        {
            await TMode.Wait(slots, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NotAcceptingException();
        }
    }

    private void ThrowIfQueueFullAndNotWaiting()
    {
        if (whenQueueFull == QueueFullBehavior.Throw)
        {
            throw new QueueFullException(
                $"The pool {Name} already has {maxQueuedTasks} tasks waiting (PoolOptions.MaxQueuedTasks) and PoolOptions.WhenQueueFull is Throw.");
        }
    }

    /// <summary>The one way into the core for a single call: checks, admission, counting, and undoing them if the core refuses.</summary>
    private Task<TResult> Run<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken)
    {
        item.CallerWaits = applying;
        applying = false; // One call per mark: nothing submitted later on this thread takes it.
        ThrowIfNotAccepting();
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }

        Admit(cancellationToken);
        return Enter(item, static (pool, item, token) => pool.RunAsync(item, token), cancellationToken);
    }

    /// <summary>Submits one chunk, waiting for a place in a bounded queue on this thread.</summary>
    private Task<TResult[]> SubmitChunk<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken) =>
        Blocking.Wait(SubmitChunk<Blocking, TArgs, TResult>(chunk, cancellationToken));

    /// <summary>Submits one chunk, waiting asynchronously for a place in a bounded queue.</summary>
    private ValueTask<Task<TResult[]>> SubmitChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken) =>
        SubmitChunk<Awaiting, TArgs, TResult>(chunk, cancellationToken);

    /// <summary>The one body of <see cref="SubmitChunk{TArgs, TResult}(ChunkItem{TArgs, TResult}, CancellationToken)"/> and <see cref="SubmitChunkAsync"/>: no state machine when a place is free.</summary>
    private ValueTask<Task<TResult[]>> SubmitChunk<TMode, TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        ThrowIfNotAccepting();
        if (cancellationToken.IsCancellationRequested)
        {
            return new(Task.FromCanceled<TResult[]>(cancellationToken));
        }

        ValueTask admitted = Admit<TMode>(cancellationToken);
        return admitted.IsCompletedSuccessfully ? new(EnterChunk(chunk, cancellationToken)) : EnterChunkOnceAdmitted(admitted, chunk, cancellationToken);
    }

    private async ValueTask<Task<TResult[]>> EnterChunkOnceAdmitted<TArgs, TResult>(ValueTask admitted, ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
    {
        await admitted.ConfigureAwait(false);
        return EnterChunk(chunk, cancellationToken);
    }

    private Task<TResult[]> EnterChunk<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken) =>
        Enter(chunk, static (pool, chunk, token) => pool.RunChunkAsync(chunk, token), cancellationToken);

    /// <summary>
    /// Counts an admitted call or chunk as submitted and hands it to the core (<paramref name="core"/>: a static
    /// lambda, so nothing is allocated); if the core refuses it, undoes the count and frees its queue place.
    /// </summary>
    private Task<TResult> Enter<TWork, TResult>(TWork work, Func<WorkerPool, TWork, CancellationToken, Task<TResult>> core, CancellationToken cancellationToken)
    {
        JoinAtExit();
        Interlocked.Increment(ref submitted.Value);
        try
        {
            return core(this, work, cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref submitted.Value);
            ReleaseQueueSlot();
            throw;
        }
    }

    /// <summary>The timeout of a chunk of <paramref name="count"/> items: the per-task timeout times the count, at most about 24 days.</summary>
    private TimeSpan ChunkTimeout(int count)
    {
        if (TaskTimeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.InfiniteTimeSpan;
        }

        double ms = TaskTimeout.TotalMilliseconds * count;
        return TimeSpan.FromMilliseconds(Math.Min(ms, int.MaxValue - 1));
    }
}
