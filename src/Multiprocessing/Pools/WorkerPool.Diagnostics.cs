using Multiprocessing.Diagnostics;
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
    /// <remarks>A task is recorded when it ends on a worker; tasks dropped before they started have no record. Use it to draw a task stream or list recent failures. Readable after <see cref="Dispose()"/>, as <see cref="Counters"/> is. A pool records from the first call on (a record costs a clock read and a lock per task, which nobody should pay unasked): the first call returns none of its tasks, and a dashboard, which polls, sees every task from its first look.</remarks>
    public IReadOnlyList<PoolTaskRecord> GetRecentTasks()
    {
        Volatile.Write(ref recordingTasks, true);
        return taskRecords.Snapshot();
    }

    /// <summary>True once <see cref="GetRecentTasks"/> has been called: from then on the pool records its tasks (every pool, one switch).</summary>
    internal bool RecordsTasks => Volatile.Read(ref recordingTasks);

    /// <summary>
    /// True once the pool records its tasks (<see cref="RecordsTasks"/>) and does so through its workers' tallies
    /// (<see cref="WorkerTally.Succeeded"/>, <see cref="WorkerTally.Failed"/>) and <see cref="CountStoppedByPool"/>:
    /// a thread pool's tasks have no id or process of their own. A process pool records where it knows both.
    /// </summary>
    internal bool RecordsTasksByTally => recordsThroughTallies && RecordsTasks;

    /// <summary>Set (in its constructor) by a pool that records through its tallies; see <see cref="RecordsTasksByTally"/>.</summary>
    private protected bool recordsThroughTallies;

    private bool recordingTasks;

    /// <summary>The ids of the tasks recorded through the tallies (tasks of a thread pool have no id of their own).</summary>
    private long recordedByTally;

    /// <summary>Records a task a tally (or <see cref="CountStoppedByPool"/>) counted; see <see cref="RecordsTasksByTally"/>.</summary>
    /// <param name="worker">The worker's name, or null for the pool's.</param>
    /// <param name="startedAt">When it started (a <see cref="System.Diagnostics.Stopwatch"/> timestamp; 0 if not taken).</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="error">Its exception, if any.</param>
    internal void RecordTaskByTally(string? worker, long startedAt, TaskOutcome outcome, Exception? error) =>
        RecordTask(
            Interlocked.Increment(ref recordedByTally),
            worker ?? Name,
            null,
            startedAt,
            outcome switch
            {
                TaskOutcome.Completed => PoolTaskOutcome.Succeeded,
                TaskOutcome.Cancelled => PoolTaskOutcome.Cancelled,
                TaskOutcome.TimedOut => PoolTaskOutcome.TimedOut,
                _ => error is PoolTerminatedException ? PoolTaskOutcome.Stopped : PoolTaskOutcome.Failed,
            },
            error);

    /// <summary>Core: records a task that ran on a worker and ended now, once the pool records (<see cref="RecordsTasks"/>; allocates nothing, but a failure's text).</summary>
    /// <param name="taskId">The task's id in the pool.</param>
    /// <param name="worker">The worker's name.</param>
    /// <param name="pid">The worker's process id, or null.</param>
    /// <param name="startedTimestamp">When it started (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="error">Its exception, if it did not succeed.</param>
    private protected void RecordTask(long taskId, string worker, int? pid, long startedTimestamp, PoolTaskOutcome outcome, Exception? error)
    {
        if (RecordsTasks)
        {
            taskRecords.Add(taskId, worker, pid, startedTimestamp, outcome, error?.ToString());
        }
    }
}
