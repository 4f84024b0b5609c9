using Multiprocessing.Pools;

namespace Multiprocessing;

// An Apply's caller reads its own result: a round trip between two threads (the caller's and the worker's), where
// the worker's reader thread, woken by the result and waking the caller in turn, made it three on two cores.
public sealed partial class ProcessPool
{
    /// <summary>
    /// How long an <c>Apply</c>'s caller reads its worker's pipe for its result before it leaves that to the
    /// reader thread and waits to be woken: a short task's result comes well within it; a longer one pays one
    /// wake-up more, small beside its length. Also bounds how long a caller keeps reading a pipe after its task
    /// completed elsewhere (taken by another worker, cancelled, given back after a death).
    /// </summary>
    private static readonly TimeSpan OwnReadBudget = TimeSpan.FromMilliseconds(10);

    /// <summary>How many results <c>Apply</c> callers have read themselves (see <see cref="ReadOwnResult"/>): for tests.</summary>
    internal long ResultsReadByCallers;

    /// <summary>The task this thread's current <c>Apply</c> submitted (set by <see cref="RunAsync{TResult}"/>), and the caller's task of it.</summary>
    [ThreadStatic]
    private static (ProcessTask Task, Task Completion) applied;

    /// <summary>Set once an <c>Apply</c> has submitted a task that its caller reads (sticky): until then, a reader thread never looks whether it may sleep (a pool that only maps takes no lock for it).</summary>
    private volatile bool callersRead;

    /// <inheritdoc/>
    private protected override void WaitApplied(Task task)
    {
        (ProcessTask mine, Task completion) = applied;
        applied = default;
        if (mine is null || task.IsCompleted)
        {
            return;
        }

        if (ReferenceEquals(completion, task))
        {
            ReadOwnResult(mine, task);
        }
        else
        {
            // Not the task this caller waits for (never expected): its caller does not read for it, its reader must.
            lock (gate)
            {
                LeaveToReader(mine);
            }
        }
    }

    /// <summary>
    /// Reads the results of the worker <paramref name="task"/> was sent to, on this thread, until
    /// <paramref name="completion"/> completes, the task leaves that worker, the worker exits, or
    /// <see cref="OwnReadBudget"/> has passed; then, if it has not completed, leaves its result to the reader thread
    /// (waking it). Nothing is read if another thread holds the worker's <see cref="ProcessWorker.ReadRole"/>: that
    /// thread handles the result.
    /// </summary>
    private void ReadOwnResult(ProcessTask task, Task completion)
    {
        ProcessWorker? worker;
        lock (gate)
        {
            worker = task.CallerReads ? task.Worker : null;
            if (worker is null)
            {
                LeaveToReader(task); // Still queued, or moved: whichever worker runs it, its reader reads for it.
                return;
            }
        }

        if (worker.ReadRole.TryEnter())
        {
            try
            {
                ReadUntil(worker, task, completion);
            }
            finally
            {
                worker.ReadRole.Exit();
            }
        }

        if (!completion.IsCompleted)
        {
            lock (gate)
            {
                LeaveToReader(task);
            }
        }
    }

    /// <summary>Takes frames off <paramref name="worker"/>'s pipe and handles them, as its reader thread would, until <paramref name="completion"/> completes or this caller should stop (see <see cref="ReadOwnResult"/>). Holds the worker's read role.</summary>
    private void ReadUntil(ProcessWorker worker, ProcessTask task, Task completion)
    {
        var deadline = Synchronization.Deadline.After(OwnReadBudget);
        try
        {
            while (!completion.IsCompleted && task.CallerReads && task.Worker == worker) // read without the lock: a stale value costs at most the budget
            {
                TimeSpan left = TimeSpan.FromMilliseconds(deadline.RemainingMs);
                if (left <= TimeSpan.Zero || !worker.End.Poll(left, worker.Exited.Token))
                {
                    return; // Its time is up: the reader thread takes over.
                }

                OnResult(worker, worker.End.ReceiveFrame());
                Interlocked.Increment(ref ResultsReadByCallers);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            // The worker exited or closed its end: its reader thread takes what is left and sees it gone.
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            worker.Child.KillIfRunning(); // As its reader thread would: a worker that speaks nonsense is replaced.
        }
    }

    /// <summary>This task's caller no longer reads for it (pool lock): the reader of the worker it is on reads its result.</summary>
    private static void LeaveToReader(ProcessTask task)
    {
        task.CallerReads = false;
        task.Worker?.WakeReader();
    }
}
