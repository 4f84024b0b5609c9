using Multiprocessing.Pools;

namespace Multiprocessing;

public abstract partial class WorkerPool
{
    private readonly TaskRecords taskRecords = new();

    /// <summary>True while the pool accepts tasks: not closed, terminated, broken or disposed.</summary>
    /// <remarks>A snapshot: the pool may be closed right after you read it. For health checks and dashboards, not to decide whether to submit (a submission to a pool that stopped accepting throws).</remarks>
    public bool IsOpen => State == PoolState.Open;

    /// <summary>True once the pool is broken (a worker could not be made ready, or could not be replaced): its tasks fail with a <see cref="BrokenPoolException"/>.</summary>
    public bool IsBroken => State == PoolState.Broken;

    /// <summary>True once every worker has stopped after a close or a terminate (<see cref="Join()"/> would return at once).</summary>
    internal bool HasStopped => stopped.Task.IsCompleted;

    /// <summary>A snapshot of the pool's workers now: for each, its process id (process pools), state, the task it runs and for how long, tasks done, restarts.</summary>
    /// <returns>One entry per live worker, in slot order.</returns>
    /// <remarks>Safe at any time, after <see cref="Dispose"/> too (then empty, once the workers have stopped); cheap enough to poll a few times a second.</remarks>
    /// <example>
    /// <code>
    /// foreach (PoolWorkerInfo w in pool.GetWorkers())
    ///     Console.WriteLine($"{w.Pid} {w.State} task {w.CurrentTaskId} for {w.CurrentTaskElapsed}");
    /// </code>
    /// </example>
    public abstract IReadOnlyList<PoolWorkerInfo> GetWorkers();

    /// <summary>The tasks that ended last (up to 1024), oldest first: worker, start, duration, outcome, and a failure's exception text.</summary>
    /// <returns>A copy; the pool goes on recording.</returns>
    /// <remarks>A task is recorded when it ends on a worker; tasks dropped before they started have no record. Use it to draw a task stream or list recent failures.</remarks>
    public IReadOnlyList<PoolTaskRecord> GetRecentTasks() => taskRecords.Snapshot();

    /// <summary>Core: records a task that ran on a worker and ended now (allocates nothing, but a failure's text).</summary>
    /// <param name="taskId">The task's id in the pool.</param>
    /// <param name="worker">The worker's name.</param>
    /// <param name="pid">The worker's process id, or null.</param>
    /// <param name="startedTimestamp">When it started (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="error">Its exception, if it did not succeed.</param>
    private protected void RecordTask(long taskId, string worker, int? pid, long startedTimestamp, PoolTaskOutcome outcome, Exception? error) =>
        taskRecords.Add(taskId, worker, pid, startedTimestamp, outcome, error?.ToString());
}
