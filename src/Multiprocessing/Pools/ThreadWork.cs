namespace Multiprocessing.Pools;

/// <summary>
/// The state machine and the task of one queued item of a <see cref="ThreadWorkerPool"/>; the item itself is a
/// <see cref="TaskCompletionSource{TResult}"/> (one object less per task), whose continuations run
/// asynchronously. Kept small: a pool with 100,000 tasks in flight holds 100,000 of these.
/// </summary>
/// <typeparam name="TResult">What the task completes with.</typeparam>
internal abstract class ThreadWork<TResult> : TaskCompletionSource<TResult>, IThreadWork
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Ended = 2;
    private const int TimedOut = 3;

    private readonly CancellationToken token;
    private readonly CancellationTokenRegistration registration;
    private int state;

    protected ThreadWork(ThreadWorkerPool pool, CancellationToken token)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Pool = pool;
        this.token = token;
        if (token.CanBeCanceled)
        {
            // May run at once, on this thread, if the token is already cancelled: OnCancelled needs no field set below.
            registration = token.UnsafeRegister(static (s, t) => ((ThreadWork<TResult>)s!).OnCancelled(t), this);
        }
    }

    public bool HasTimeout => TimeoutTicks != 0;

    public abstract long TimeoutTicks { get; }

    public bool HasTimedOut => Volatile.Read(ref state) == TimedOut;

    protected ThreadWorkerPool Pool { get; }

    /// <summary>The token the task was submitted with; a chunk checks it between items.</summary>
    protected CancellationToken Token => token;

    public bool TryStart()
    {
        if (Interlocked.CompareExchange(ref state, Running, Queued) != Queued)
        {
            return false;
        }

        registration.Unregister();
        return true;
    }

    public bool Run(WorkerTally tally)
    {
        TResult result;
        try
        {
            result = Invoke();
        }
        catch (Exception e)
        {
            if (Interlocked.CompareExchange(ref state, Ended, Running) != Running)
            {
                return false;
            }

            tally.Failed();
            if (e is OperationCanceledException oce && token.IsCancellationRequested && oce.CancellationToken == token)
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

        tally.Succeeded();
        TrySetResult(result);
        return true;
    }

    public bool TryReject()
    {
        if (Interlocked.CompareExchange(ref state, Ended, Queued) != Queued)
        {
            return false;
        }

        registration.Unregister();
        return true;
    }

    public bool TryDrop()
    {
        if (Interlocked.CompareExchange(ref state, Ended, Queued) != Queued)
        {
            return false;
        }

        registration.Unregister();
        Pool.CountDroppedTask();
        TrySetException(Pool.NewStopException());
        return true;
    }

    public bool TryEndRunning()
    {
        if (Interlocked.CompareExchange(ref state, Ended, Running) != Running)
        {
            return false;
        }

        Pool.CountTaskFailedElsewhere();
        TrySetException(Pool.NewStopException());
        return true;
    }

    public bool TryClaimTimeout() => Interlocked.CompareExchange(ref state, TimedOut, Running) == Running;

    public void CompleteTimedOut(string workerName)
    {
        Pool.CountTaskFailedElsewhere();
        var limit = TimeSpan.FromSeconds((double)TimeoutTicks / System.Diagnostics.Stopwatch.Frequency);
        TrySetException(new TimeoutException(
            $"The task ran longer than its timeout of {limit} (PoolOptions.TaskTimeout) and was abandoned. {workerName} goes on running it until it returns, outside the pool; the pool starts another thread in its place."));
    }

    /// <summary>Runs the user's code: the call, or the chunk's items in order.</summary>
    protected abstract TResult Invoke();

    private void OnCancelled(CancellationToken cancelled)
    {
        if (Interlocked.CompareExchange(ref state, Ended, Queued) == Queued)
        {
            Pool.CountDroppedTask();
            TrySetCanceled(cancelled);
        }
    }
}
