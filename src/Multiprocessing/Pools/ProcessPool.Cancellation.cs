using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    private void OnCancel(ProcessTask task, CancellationToken token)
    {
        ChildProcess? stop = null;
        lock (gate)
        {
            if (task.Worker is null)
            {
                if (!queued.Remove(task))
                {
                    return; // Already finished or failed.
                }
            }
            else
            {
                ProcessWorker worker = task.Worker;
                int at = worker.InFlight.IndexOf(task);
                if (at < 0)
                {
                    return;
                }

                task.CancelRequested = true;
                if (!task.Running)
                {
                    if (!worker.Claims.TryRevoke(task.Seq))
                    {
                        return; // The worker has just started it: it is stopped when the pool sees it start (BeginRunning).
                    }

                    // Taken back from the worker's pipe: the worker skips it, and it ends now, as if still queued.
                    // (Not the task it runs: once it is ready, the head of its line is running as far as the pool knows.)
                    worker.InFlight.RemoveAt(at);
                    task.Worker = null;
                }
                else
                {
                    worker.Retiring = true; // Its TerminationToken is spent: no more tasks for it.
                    stop = worker.Child;
                }
            }
        }

        if (stop is null)
        {
            CountDropped();
            task.Cancel(token);
            return;
        }

        StopGracefully(stop);
    }

    /// <summary>
    /// Stops a worker (whose running task was cancelled, or all of them for <see cref="TerminateWorkers"/>):
    /// cooperatively first (SIGTERM cancels <see cref="CurrentProcess.TerminationToken"/> if the task watches it, or
    /// ends the worker if not), then, if it is still there after <see cref="CancelGracePeriod"/>, SIGKILL. The worker
    /// must already be retiring.
    /// </summary>
    /// <remarks>
    /// It runs outside the pool lock, on whatever thread cancelled the task (a timer's, for <c>CancelAfter</c>), and
    /// the worker may exit and be disposed by its reader meanwhile: it only uses the members that work on a
    /// disposed child, never the public ones that refuse it.
    /// </remarks>
    private void StopGracefully(ChildProcess worker)
    {
        worker.TerminateIfRunning();
        if (CancelGracePeriod == TimeSpan.Zero)
        {
            worker.KillIfRunning();
        }
        else if (CancelGracePeriod != Timeout.InfiniteTimeSpan)
        {
            _ = KillLaterAsync(worker, CancelGracePeriod);
        }
    }

    private static async Task KillLaterAsync(ChildProcess child, TimeSpan gracePeriod)
    {
        using var grace = new CancellationTokenSource(gracePeriod);
        try
        {
            await child.WaitForExitEvenIfDisposedAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            child.KillIfRunning();
        }
    }

    private void OnTimeout(ProcessTask task)
    {
        ChildProcess? kill = null;
        lock (gate)
        {
            if (task.Worker is { } w && w.InFlight.Count > 0 && w.InFlight[0] == task)
            {
                task.TimedOut = true;
                w.Retiring = true;
                kill = w.Child;
            }
        }

        kill?.KillIfRunning(); // Outside the lock, on a timer thread: the worker may have exited and been disposed meanwhile.
    }
}
