namespace Multiprocessing.Pools;

/// <summary>
/// One task of a <see cref="ProcessPool"/>: its encoded Run frame, and the caller's task to complete. Lives in
/// the pool's queue, then in its worker's in-flight queue; the head of that queue is the task the worker runs.
/// </summary>
internal abstract class ProcessTask(long id, PoolFunction function, byte[] frame, TimeSpan timeout)
{
    public long Id { get; } = id;

    public PoolFunction Function { get; } = function;

    public byte[] Frame { get; } = frame;

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Its activity (<see cref="Diagnostics.Tracing.TaskActivity"/>) when someone listens: tagged with the pid of the worker it is sent to.</summary>
    public System.Diagnostics.Activity? Activity { get; set; }

    /// <summary>The worker it was sent to; null while queued in the pool.</summary>
    public ProcessWorker? Worker { get; set; }

    /// <summary>Its sequence number for <see cref="Worker"/> (see <see cref="TaskClaims"/>).</summary>
    public long Seq { get; set; }

    /// <summary>When it reached the head of its worker's queue.</summary>
    public long StartedAt { get; set; }

    /// <summary>True once its worker began it (it reached the head of the worker's queue).</summary>
    public bool Running { get; set; }

    /// <summary>Set when the pool killed the worker because this task ran past its timeout.</summary>
    public bool TimedOut { get; set; }

    /// <summary>
    /// Its caller (an <c>Apply</c>, waiting on its own thread) reads the results of the worker it was first sent to
    /// until it completes, so the worker's reader thread need not (pool lock). Cleared when the caller stops reading,
    /// and when the task leaves that worker (taken by another, or given back to the queue): only the caller reads for
    /// it, and only there. See <see cref="ProcessWorker.ReadRole"/>.
    /// </summary>
    public bool CallerReads { get; set; }

    /// <summary>Set when the caller cancelled it after it was sent to a worker.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>The caller's cancellation, unregistered when the task ends.</summary>
    public CancellationTokenRegistration Cancellation { get; set; }

    /// <summary>The timer of its timeout while it runs.</summary>
    public Timer? Timer { get; set; }

    /// <summary>Completes the caller's task with the encoded result.</summary>
    public abstract void Succeed(ReadOnlyMemory<byte> result, WorkerTally tally);

    /// <summary>Fails the caller's task.</summary>
    public abstract void Fail(Exception error);

    /// <summary>Cancels the caller's task.</summary>
    public abstract void Cancel(CancellationToken token);

    /// <summary>The timer of the grace period of a cancelled task that takes a token: the worker is killed if the task is still running when it fires.</summary>
    public Timer? GraceTimer { get; set; }

    /// <summary>Releases the timers and the cancellation registration.</summary>
    public void Release()
    {
        Timer?.Dispose();
        GraceTimer?.Dispose();
        Cancellation.Dispose();
    }
}
