using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    private static readonly CancellationToken CancelledByCaller = new(canceled: true);

    /// <summary>Per slot: how many workers it had before the current one, and how the last of them ended (pool lock; made at the first replacement).</summary>
    private (int Restarts, int? LastExitCode)[]? slotHistory;

    /// <inheritdoc/>
    public override IReadOnlyList<PoolWorkerInfo> GetWorkers()
    {
        lock (gate)
        {
            var infos = new List<PoolWorkerInfo>(slots.Length);
            foreach (ProcessWorker? w in slots)
            {
                if (w is null || w.Gone)
                {
                    continue;
                }

                ProcessTask? head = w.Current();
                PoolWorkerState state = !w.Ready && head is null ? PoolWorkerState.Starting
                    : w.Retiring ? PoolWorkerState.Retiring
                    : head is null ? PoolWorkerState.Idle
                    : PoolWorkerState.Busy;
                (int restarts, int? lastExit) = slotHistory?[w.Slot] ?? default;
                infos.Add(new PoolWorkerInfo(
                    w.Slot,
                    w.Child.Name,
                    w.Child.Pid,
                    state,
                    head?.Id,
                    head is null ? null : head.Running ? System.Diagnostics.Stopwatch.GetElapsedTime(head.StartedAt) : TimeSpan.Zero, // Else it has just started: the pool has not read so yet.
                    w.Tally.SucceededCount + w.Tally.FailedCount,
                    restarts,
                    lastExit));
            }

            return infos;
        }
    }

    /// <summary>The ids of the tasks waiting to start, oldest first (at most <paramref name="max"/>): those <see cref="CancelQueuedTask"/> can cancel.</summary>
    /// <param name="max">The most ids to return.</param>
    /// <returns>A snapshot: ids of tasks in the pool's queue or sent to a worker that has not started them, in the order they were submitted (none once the pool is disposed: diagnostics are readable at any time).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is negative.</exception>
    public IReadOnlyList<long> GetQueuedTaskIds(int max = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        lock (gate)
        {
            return OldestIds(WaitingTasks(), max);
        }
    }

    /// <summary>Cancels a task that has not started yet, as its caller's token would: its task completes as cancelled and it never runs.</summary>
    /// <param name="taskId">The task's id (from <see cref="GetQueuedTaskIds"/>, or <see cref="PoolTaskRecord.TaskId"/>).</param>
    /// <returns>True if the task was waiting when called, and is cancelled (had it started meanwhile, it is stopped as a running task whose caller cancels it); false if no such task waits (it started, ended, or never was).</returns>
    /// <remarks>For dashboards and operators. A task of a map-style call is a chunk: cancelling it fails the whole call with a cancellation, as the call's own token would.</remarks>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public bool CancelQueuedTask(long taskId)
    {
        ThrowIfDisposed();
        ProcessTask? found = null;
        lock (gate)
        {
            found = WaitingTasks().FirstOrDefault(t => t.Id == taskId);
        }

        if (found is null)
        {
            return false;
        }

        OnCancel(found, CancelledByCaller);
        return true;
    }

    /// <summary>Kills one worker process (SIGKILL), as if it had crashed: the task it runs fails with a <see cref="ProcessDiedException"/>, the tasks it holds go to other workers, and a new worker takes its place.</summary>
    /// <param name="pid">The worker's process id (<see cref="PoolWorkerInfo.Pid"/>).</param>
    /// <returns>True if <paramref name="pid"/> was a live worker of this pool and was sent SIGKILL; false otherwise (no other process is ever signalled).</returns>
    /// <remarks>For dashboards, operators and tests of fault handling. The pool stays open.</remarks>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public bool KillWorker(int pid)
    {
        ThrowIfDisposed();
        ChildProcess? child = null;
        lock (gate)
        {
            foreach (ProcessWorker? w in slots)
            {
                if (w is { Gone: false } && w.Child.Pid == pid)
                {
                    child = w.Child;
                }
            }
        }

        if (child is null)
        {
            return false;
        }

        child.KillIfRunning();
        return true;
    }

    /// <summary>Notes that the worker of <paramref name="slot"/> ended with <paramref name="exitCode"/> (pool lock).</summary>
    private void NoteWorkerGone(int slot, int exitCode)
    {
        slotHistory ??= new (int, int?)[slots.Length];
        slotHistory[slot] = (slotHistory[slot].Restarts + 1, exitCode);
    }
}
