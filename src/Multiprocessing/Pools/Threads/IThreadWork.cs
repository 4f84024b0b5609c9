namespace Multiprocessing.Pools;

/// <summary>
/// A task in a <see cref="ThreadWorkerPool"/>'s queue: one call or one chunk, with its own small state machine
/// (queued, running, ended, timed out) so that the worker, a cancellation, a timeout and a terminate can race to
/// end it and exactly one of them wins, counts it and completes its task.
/// </summary>
internal interface IThreadWork
{
    /// <summary>The timeout in <see cref="System.Diagnostics.Stopwatch"/> ticks in <paramref name="pool"/> (0 for none).</summary>
    long TimeoutTicksIn(ThreadWorkerPool pool);

    /// <summary>True while it waits in the queue (not started, not ended).</summary>
    bool IsQueued { get; }

    /// <summary>True once a timeout has claimed it.</summary>
    bool HasTimedOut { get; }

    /// <summary>Queued → running. False if it already ended (cancelled, rejected, terminated): skip it.</summary>
    bool TryStart();

    /// <summary>Runs it on the calling worker and ends it, counting it in <paramref name="tally"/> (and measuring it from <paramref name="startedAt"/>, 0 for not). False if someone else ended it meanwhile (a timeout or a terminate).</summary>
    bool Run(WorkerTally tally, long startedAt);

    /// <summary>Queued → ended without completing its task: the submitter takes it back (the pool stopped while it was being queued).</summary>
    bool TryReject();

    /// <summary>Queued → failed with the pool's stop exception (terminate), counted as dropped.</summary>
    bool TryDrop(ThreadWorkerPool pool);

    /// <summary>Running → failed with the pool's stop exception (terminate), counted as stopped by the pool.</summary>
    bool TryEndRunning(ThreadWorkerPool pool, long startedAt);

    /// <summary>Running → timed out; the caller then retires the worker and calls <see cref="CompleteTimedOut"/>.</summary>
    bool TryClaimTimeout();

    /// <summary>Counts the timed-out task and fails it with a <see cref="TimeoutException"/>.</summary>
    void CompleteTimedOut(ThreadWorkerPool pool, string workerName, long startedAt);
}
