using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    /// <summary>
    /// Sends queued tasks to workers with room; when none is queued, lets each idle worker take tasks that a busy
    /// worker holds and has not started; closes idle workers once the pool is closed and drained. Never waits to
    /// write (it runs on the workers' reader threads too; see <see cref="ProcessWorker"/>).
    /// </summary>
    private void Pump()
    {
        List<ProcessWorker>? touched = null;
        lock (gate)
        {
            while (queued.Count > 0 && PickWorker() is { } worker)
            {
                ProcessTask task = queued.First!.Value;
                queued.RemoveFirst();
                Dispatch(worker, task, ref touched);
            }

            if (queued.Count == 0)
            {
                foreach (ProcessWorker? w in slots)
                {
                    if (w is { Gone: false, Retiring: false, EndClosed: false, Ready: true } && w.InFlight.Count == 0)
                    {
                        Steal(w, ref touched);
                    }
                }
            }

            if (State != PoolState.Open && queued.Count == 0)
            {
                foreach (ProcessWorker? w in slots)
                {
                    if (w is { Gone: false, EndClosed: false } && w.InFlight.Count == 0)
                    {
                        w.EndClosed = true;
                        w.PostClose();
                        Touch(w, ref touched);
                    }
                }
            }
        }

        if (touched is not null)
        {
            foreach (ProcessWorker w in touched)
            {
                w.Flush();
            }

            touched.Clear();
            spareTouched = touched;
        }
    }

    /// <summary>Sends <paramref name="task"/> to <paramref name="worker"/>, with its function if the worker does not know it yet (pool lock).</summary>
    private void Dispatch(ProcessWorker worker, ProcessTask task, ref List<ProcessWorker>? touched)
    {
        if (!worker.Known.Contains(task.Function.Id))
        {
            if (worker.Known.Count >= PoolFunctions.DefaultCapacity)
            {
                worker.Post(ForgetFrame);
                worker.Known.Clear();
            }

            worker.Post(task.Function.DefineFrame);
            worker.Known.Add(task.Function.Id);
        }

        task.Seq = worker.NextSeq++;
        task.Worker = worker;
        task.Activity?.SetTag(Diagnostics.TelemetryAttributes.WorkerPid, worker.Child.Pid);
        worker.PostTask(task.Frame, task.Seq);
        worker.InFlight.Add(task);
        if (!task.CallerReads)
        {
            worker.WakeReader(); // Nobody else will read its result.
        }

        if (worker.InFlight.Count == 1 && worker.Ready)
        {
            BeginRunning(worker, task);
        }

        Touch(worker, ref touched);
    }

    /// <summary>
    /// Adds <paramref name="worker"/> to the workers <see cref="Pump"/> flushes once out of the lock. The list is
    /// this thread's spare one, reused: a list per call was about a tenth of what a map of one-item tasks
    /// allocated (each of its tasks passes through <see cref="Pump"/> twice).
    /// </summary>
    private static void Touch(ProcessWorker worker, ref List<ProcessWorker>? touched)
    {
        if (touched is null)
        {
            touched = spareTouched ?? [];
            spareTouched = null; // Taken, should a Pump ever run inside another on this thread.
        }

        if (!touched.Contains(worker))
        {
            touched.Add(worker);
        }
    }

    /// <summary>
    /// The idle worker <paramref name="thief"/> takes half (rounded up) of the tasks that the busiest other worker
    /// holds behind the one it runs and has not started, from the end of its line, and runs them in their order
    /// (pool lock). A task is taken only if the compare-and-swap on its claim wins (see <see cref="TaskClaims"/>),
    /// so it runs exactly once: the worker skips it when it reaches it.
    /// </summary>
    private void Steal(ProcessWorker thief, ref List<ProcessWorker>? touched)
    {
        ProcessWorker? victim = null;
        int most = 0;
        foreach (ProcessWorker? w in slots)
        {
            int waiting = w is null || w == thief || w.Gone ? 0 : Unstarted(w);
            if (waiting > most)
            {
                (victim, most) = (w, waiting);
            }
        }

        if (victim is null)
        {
            return;
        }

        int want = Math.Min((most + 1) / 2, Room(thief) - thief.InFlight.Count);
        int first = victim.InFlight.Count;
        while (first > victim.InFlight.Count - want && victim.Claims.TryRevoke(victim.InFlight[first - 1].Seq))
        {
            first--; // Else the worker has just started it, and all before it.
        }

        if (first == victim.InFlight.Count)
        {
            return;
        }

        ProcessTask[] taken = [.. victim.InFlight.Skip(first)];
        victim.InFlight.RemoveRange(first, taken.Length);
        TasksTaken += taken.Length;
        Touch(victim, ref touched); // Frames of the taken tasks not yet written are dropped.
        foreach (ProcessTask task in taken)
        {
            task.CallerReads = false; // Its caller reads the victim's pipe, not the thief's.
            Dispatch(thief, task, ref touched);
        }
    }

    /// <summary>
    /// How many tasks <paramref name="worker"/> may hold at once: its depth (see <see cref="ProcessWorker.Depth"/>), and
    /// never more than it has left to run under <see cref="PoolOptions.MaxTasksPerWorker"/>, so that a task sent ahead
    /// never runs in a worker past its limit (pool lock).
    /// </summary>
    private int Room(ProcessWorker worker) =>
        MaxTasksPerWorker > 0 ? Math.Min(worker.Depth, MaxTasksPerWorker - worker.Done) : worker.Depth;

    /// <summary>How many of a worker's tasks have not started, as far as the pool knows: all but the one it runs (pool lock).</summary>
    private static int Unstarted(ProcessWorker worker) =>
        worker.InFlight.Count == 0 ? 0 : worker.InFlight.Count - (worker.InFlight[0].Running ? 1 : 0);

    /// <summary>
    /// The live worker with the fewest tasks in flight, if it has room; of two with as many, the one whose running
    /// task started later, as it is likely to be free sooner (pool lock).
    /// </summary>
    private ProcessWorker? PickWorker()
    {
        ProcessWorker? best = null;
        foreach (ProcessWorker? w in slots)
        {
            if (w is { Gone: false, Retiring: false, EndClosed: false } && w.InFlight.Count < Room(w) && w.Claims.CanOffer(w.NextSeq)
                && (best is null || w.InFlight.Count < best.InFlight.Count || (w.InFlight.Count == best.InFlight.Count && w.HeadStartedAt > best.HeadStartedAt)))
            {
                best = w;
            }
        }

        return best;
    }

    /// <summary>The task is now the one its worker runs: count it started, arm its timeout (pool lock).</summary>
    private void BeginRunning(ProcessWorker worker, ProcessTask task)
    {
        if (task.CancelRequested)
        {
            // Cancelled while it waited in the worker's pipe (behind another task, or before the worker was
            // ready): it starts now, so it is stopped now, as a running task whose caller cancels it.
            if (CancelsInWorker(task))
            {
                CancelInWorker(worker, task);
            }
            else
            {
                worker.Retiring = true;
                StopGracefully(worker.Child);
            }
        }

        task.Running = true;
        task.StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        worker.Tally.IsIdle = false;
        worker.Tally.Started();
        if (task.Timeout != Timeout.InfiniteTimeSpan)
        {
            task.Timer = new Timer(static s => ((ProcessPool)((object[])s!)[0]).OnTimeout((ProcessTask)((object[])s!)[1]), new object[] { this, task }, task.Timeout, Timeout.InfiniteTimeSpan);
        }
    }
}
