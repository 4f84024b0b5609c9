using Multiprocessing.Diagnostics;

namespace Multiprocessing.Pools;

/// <summary>
/// The state machine and the task of one queued item of a <see cref="ThreadWorkerPool"/>; the item itself is a
/// <see cref="TaskCompletionSource{TResult}"/> (one object less per task), whose continuations run
/// asynchronously (but for a <c>Map</c>'s own gatherer, see the constructor). Kept small (a pool with 100,000 tasks in flight holds 100,000 of these): the pool is passed
/// in by whoever acts on it, and what a cancellable token needs lives in a side object made only for one.
/// </summary>
/// <typeparam name="TResult">What the task completes with.</typeparam>
internal abstract class ThreadWork<TResult> : TaskCompletionSource<TResult>, IThreadWork
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Ended = 2;
    private const int TimedOut = 3;

    private readonly Cancellation? cancellation;
    private int state;

    /// <param name="pool">The pool it is queued in.</param>
    /// <param name="inlineFollower">The only continuation is the library's own short one (see <see cref="ChunkItem{TArgs, TResult}.InlineFollower"/>): let it run on the pool thread that ends the task.</param>
    /// <param name="token">The caller's token.</param>
    protected ThreadWork(ThreadWorkerPool pool, bool inlineFollower, CancellationToken token)
        : base(inlineFollower ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously)
    {
        if (token.CanBeCanceled)
        {
            cancellation = new Cancellation(this, pool, token);
        }
    }

    public bool IsQueued => Volatile.Read(ref state) == Queued;

    public bool HasTimedOut => Volatile.Read(ref state) == TimedOut;

    /// <summary>The token the task was submitted with (none if it could not be cancelled); a chunk checks it between items.</summary>
    protected CancellationToken Token => cancellation?.Token ?? default;

    public abstract long TimeoutTicksIn(ThreadWorkerPool pool);

    /// <summary>
    /// The activity made current while the task runs (the pool's threads do not take the submitter's execution
    /// context): the task's own activity, else the submitter's current one; null when there is neither.
    /// </summary>
    public System.Diagnostics.Activity? TraceParent { get; set; }

    public bool TryStart() => TryLeaveQueue(Running);

    public bool Run(WorkerTally tally, long startedAt)
    {
        TResult result;
        try
        {
            result = TraceParent is null ? Invoke() : InvokeTraced();
        }
        catch (Exception e)
        {
            if (Interlocked.CompareExchange(ref state, Ended, Running) != Running)
            {
                return false;
            }

            CancellationToken token = Token;
            bool cancelled = e is OperationCanceledException oce && token.IsCancellationRequested && oce.CancellationToken == token;
            tally.Failed(startedAt, cancelled ? TaskOutcome.Cancelled : TaskOutcome.Failed, e);
            if (cancelled)
            {
                TrySetCanceled(token);
            }
            else
            {
                TrySetException(e);
            }

            return true;
        }

        if (Interlocked.CompareExchange(ref state, Ended, Running) != Running)
        {
            return false;
        }

        tally.Succeeded(startedAt);
        TrySetResult(result);
        return true;
    }

    public bool TryReject() => TryLeaveQueue(Ended);

    public bool TryDrop(ThreadWorkerPool pool)
    {
        if (Interlocked.CompareExchange(ref state, Ended, Queued) != Queued)
        {
            return false;
        }

        cancellation?.Unregister();
        pool.CountDroppedTask();
        TrySetException(pool.NewStopException());
        return true;
    }

    public bool TryEndRunning(ThreadWorkerPool pool, long startedAt)
    {
        if (Interlocked.CompareExchange(ref state, Ended, Running) != Running)
        {
            return false;
        }

        Exception stop = pool.NewStopException();
        pool.CountTaskStoppedByPool(startedAt, TaskOutcome.Failed, stop);
        TrySetException(stop);
        return true;
    }

    public bool TryClaimTimeout() => Interlocked.CompareExchange(ref state, TimedOut, Running) == Running;

    public void CompleteTimedOut(ThreadWorkerPool pool, string workerName, long startedAt)
    {
        var limit = TimeSpan.FromSeconds((double)TimeoutTicksIn(pool) / System.Diagnostics.Stopwatch.Frequency);
        var timeout = new TimeoutException(
            $"The task ran longer than its timeout of {limit} (PoolOptions.TaskTimeout) and was abandoned. {workerName} goes on running it until it returns, outside the pool; the pool starts another thread in its place.");
        pool.CountTaskStoppedByPool(startedAt, TaskOutcome.TimedOut, timeout);
        TrySetException(timeout);
    }

    /// <summary>Runs <see cref="Invoke"/> with <see cref="TraceParent"/> current, so that an activity the user's code starts is its child.</summary>
    private TResult InvokeTraced()
    {
        System.Diagnostics.Activity? previous = System.Diagnostics.Activity.Current;
        System.Diagnostics.Activity.Current = TraceParent;
        try
        {
            return Invoke();
        }
        finally
        {
            System.Diagnostics.Activity.Current = previous;
        }
    }

    /// <summary>Runs the user's code: the call, or the chunk's items in order.</summary>
    protected abstract TResult Invoke();

    /// <summary>Moves a queued task to <paramref name="next"/> (running, or ended without running) and lets go of its cancellation; false if it was no longer queued.</summary>
    private bool TryLeaveQueue(int next)
    {
        if (Interlocked.CompareExchange(ref state, next, Queued) != Queued)
        {
            return false;
        }

        cancellation?.Unregister();
        return true;
    }

    private void CancelIfQueued(ThreadWorkerPool pool, CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref state, Ended, Queued) == Queued)
        {
            pool.CountDroppedTask();
            TrySetCanceled(token);
        }
    }

    /// <summary>What a task submitted with a cancellable token needs: the token, its registration, and the pool to count in.</summary>
    private sealed class Cancellation
    {
        private readonly ThreadWork<TResult> owner;
        private readonly ThreadWorkerPool pool;
        private readonly CancellationTokenRegistration registration;

        public Cancellation(ThreadWork<TResult> owner, ThreadWorkerPool pool, CancellationToken token)
        {
            this.owner = owner;
            this.pool = pool;
            Token = token;

            // May run at once, on this thread, if the token is already cancelled: the fields it uses are set.
            registration = token.UnsafeRegister(static (s, t) => ((Cancellation)s!).owner.CancelIfQueued(((Cancellation)s!).pool, t), this);
        }

        public CancellationToken Token { get; }

        public void Unregister() => registration.Unregister();
    }
}
