namespace Multiprocessing;

/// <summary>One task that ran in a pool and ended (see <see cref="WorkerPool.GetRecentTasks"/>): where, when, how long and how it ended.</summary>
/// <remarks>A task is one <c>Apply</c>/<c>Submit</c> call or one chunk of a map-style call, as in <see cref="PoolCounters"/>. Tasks that never started (cancelled or dropped while queued) have no record.</remarks>
/// <param name="TaskId">The pool's id of the task, unique in the pool.</param>
/// <param name="Worker">The name of the worker that ran it.</param>
/// <param name="Pid">The process id of that worker; null for a <see cref="ThreadWorkerPool"/>.</param>
/// <param name="StartedAt">When it started on its worker.</param>
/// <param name="Duration">How long it ran.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Error">For a task that did not succeed: its exception as text (for a <see cref="RemoteException"/>, the remote type, message and stack trace); null otherwise.</param>
public readonly record struct PoolTaskRecord(
    long TaskId,
    string Worker,
    int? Pid,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    PoolTaskOutcome Outcome,
    string? Error);
