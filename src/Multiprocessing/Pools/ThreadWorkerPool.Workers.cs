using System.Diagnostics;
using System.Runtime.InteropServices;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

/// <remarks>
/// How tasks meet threads, without a lock or a wake-up per task while the threads are busy:
/// <list type="bullet">
/// <item>After a task is queued (<see cref="SignalWork"/>): if a thread is spinning, nothing more (it will take
/// the task); else, if a thread sleeps, wake one; else, if no thread is idle and fewer than the maximum exist,
/// start one (the seed's rule); else nothing (a busy thread will find the task).</item>
/// <item>A thread that finds the queue empty counts itself idle and, if no other thread is spinning, spins a
/// little (a task that comes meanwhile costs no sleep and no wake-up); then, or at once if another thread
/// spins, it counts itself a sleeper, looks at the queue once more, and sleeps on a semaphore. One spinner at a
/// time: on few cores, more would take the CPU from the threads that submit.</item>
/// <item>A thread that takes a task and sees more waiting calls <see cref="SignalWork"/> itself, so a backlog
/// wakes the sleeping threads one by one, while a submitter that keeps one thread busy wakes nobody.</item>
/// <item>Each side writes its counter with a full fence before it reads the other side's state (enqueue then
/// read spinners and sleepers; stop spinning or count a sleeper, then read the queue), so a task is never left
/// in the queue with every thread asleep. A waker takes one sleeper off the count and releases the semaphore
/// once; a thread that counted itself a sleeper and then found work takes itself off the count, or, if a waker
/// beat it to it, takes the release that waker gave.</item>
/// <item>Lifecycle changes (threads starting and stopping, close, terminate) happen under <c>gate</c>; so does the
/// test "no thread left, and nothing left to run" that lets <see cref="WorkerPool.Join()"/> return.</item>
/// </list>
/// </remarks>
public sealed partial class ThreadWorkerPool
{
    /// <summary>How many times a thread that finds the queue empty looks again before it sleeps.</summary>
    private const int SpinsBeforeSleep = 30;

    /// <summary>Runs on each worker thread until the pool stops, the thread has run its share of tasks, or a timeout gave it up.</summary>
    internal void WorkerMain(ThreadWorker self)
    {
        currentPool = this;
        bool retire = true;
        string exit = WorkerExitReason.Stopped;
        try
        {
            if (Initializer is Action initializer)
            {
                try
                {
                    initializer();
                }
                catch (Exception e)
                {
                    exit = WorkerExitReason.Crashed;
                    BreakPool(e);
                    return;
                }
            }

            self.Tally.IsReady = true;

            int done = 0;
            while (true)
            {
                if (!queue.TryDequeue(out IThreadWork? work))
                {
                    work = WaitForWork(self);
                    if (work is null)
                    {
                        exit = State >= PoolState.Terminated ? WorkerExitReason.Terminated : WorkerExitReason.Stopped;
                        return;
                    }
                }

                if (Volatile.Read(ref hot.Sleepers) > 0 && !queue.IsEmpty)
                {
                    // More are waiting and a thread sleeps: let it start on them while this one runs its task.
                    // (Sleepers first: it rarely changes, while looking at the queue reads a line the submitter writes.)
                    SignalWork();
                }

                // Published before starting, so that a terminate that has drained the queue sees it here; the
                // start time before the task, so that a timer that sees this task sees its start time. (Taken
                // for the timeout, or for the task's duration when a listener measures it: else 0.)
                long timeout = work.TimeoutTicksIn(this);
                self.StartedAt = timeout != 0 || RecordsTasksByTally ? Stopwatch.GetTimestamp() : Metrics.TaskStarting();

                self.Current = work;
                if (!work.TryStart())
                {
                    self.Current = null;
                    continue;
                }

                self.Tally.Started();
                if (State >= PoolState.Terminated)
                {
                    // Terminated between our dequeue and our start: the terminate may have missed it.
                    work.TryEndRunning(this, self.StartedAt);
                    exit = WorkerExitReason.Terminated;
                    self.Current = null;
                    return;
                }

                bool ranToEnd;
                if (timeout != 0)
                {
                    self.Arm(timeout);
                    ranToEnd = work.Run(self.Tally, self.StartedAt);
                    self.Disarm();
                }
                else
                {
                    ranToEnd = work.Run(self.Tally, self.StartedAt);
                }

                self.Current = null;
                if (!ranToEnd)
                {
                    // Someone else ended the task while it ran. A timeout has already given this thread up
                    // (and retired it); a terminate has not.
                    retire = !work.HasTimedOut;
                    exit = WorkerExitReason.Terminated;
                    return;
                }

                if (++done == MaxTasksPerWorker)
                {
                    exit = WorkerExitReason.Recycled;
                    return;
                }
            }
        }
        finally
        {
            self.DisposeTimer();
            currentPool = null;
            if (retire)
            {
                Metrics.WorkerExited(exit); // Before it leaves: the last one's exit is counted when Join returns.
                WorkerLeft(self);
            }
        }
    }

    /// <summary>A worker's timeout timer fired: end its task if it has run too long, give the thread up, and put another in its place.</summary>
    internal void OnTimer(ThreadWorker worker)
    {
        if (worker.Current is not IThreadWork work)
        {
            return;
        }

        long timeout = work.TimeoutTicksIn(this);
        if (timeout == 0)
        {
            return;
        }

        long ran = Stopwatch.GetTimestamp() - worker.StartedAt;
        if (ran < timeout)
        {
            // The timer was armed for an earlier task of this worker (or fired early): wait for this one's end.
            worker.Rearm(timeout - ran);
            return;
        }

        if (!work.TryClaimTimeout())
        {
            return;
        }

        lock (gate)
        {
            worker.Abandoned = true;
            if (workers.Remove(worker))
            {
                Interlocked.Decrement(ref hot.Alive);
                RetireWorker(worker.Tally);
            }
        }

        Metrics.WorkerExited(WorkerExitReason.TimedOut);
        work.CompleteTimedOut(this, worker.Name, worker.StartedAt);
        AfterWorkerLeft();
    }

    /// <summary>Queues a task and makes sure a thread will run it; takes it back and throws if the pool stopped accepting meanwhile.</summary>
    /// <exception cref="InvalidOperationException">The pool was closed, terminated or broken while the task was being queued.</exception>
    private void Post(IThreadWork work)
    {
        queue.Enqueue(work);

        // Enqueue is a full fence: from here on, a thread that decides the queue is empty has not yet looked.
        if (State != PoolState.Open && work.TryReject())
        {
            // The rejected task stays in the queue until a thread takes it (and skips it). If the pool's last
            // thread left between this enqueue and the reject, it looked at the queue before the enqueue (empty:
            // no thread to add) and made its stop test after (a task: not stopped), and nobody would ever signal
            // the stop: Join waited for ever. Make the test again, now that the task is known to be dead.
            AfterWorkerLeft();
            throw NotAcceptingException();
        }

        SignalWork();
    }

    /// <summary>Makes sure some thread will look at the queue: a spinning one will; else wake a sleeping one; else start one if none is idle.</summary>
    private void SignalWork()
    {
        if (Volatile.Read(ref hot.Spinners) != 0)
        {
            return;
        }

        if (Volatile.Read(ref hot.Sleepers) > 0)
        {
            WakeOne();
        }
        else if (Volatile.Read(ref hot.Idle) == 0 && Volatile.Read(ref hot.Alive) < WorkerCount)
        {
            TryAddWorker();
        }
    }

    /// <summary>What a thread does when the queue is empty: spin a little, then sleep until a task or a stop comes. Null: stop.</summary>
    private IThreadWork? WaitForWork(ThreadWorker self)
    {
        self.Tally.IsIdle = true;
        Interlocked.Increment(ref hot.Idle);
        try
        {
            while (true)
            {
                if (Interlocked.CompareExchange(ref hot.Spinners, 1, 0) == 0)
                {
                    try
                    {
                        var spinner = default(SpinWait);
                        for (int i = 0; i < SpinsBeforeSleep; i++)
                        {
                            if (queue.TryDequeue(out IThreadWork? work))
                            {
                                return work;
                            }

                            if (ShouldStop())
                            {
                                return null;
                            }

                            spinner.SpinOnce(sleep1Threshold: -1);
                        }
                    }
                    finally
                    {
                        // A full fence: a submitter that saw us spinning queued its task before this, so the
                        // look at the queue below sees it.
                        Interlocked.Exchange(ref hot.Spinners, 0);
                    }
                }

                Interlocked.Increment(ref hot.Sleepers);

                // The state first, then the queue, each read once. A closed pool's thread never sleeps: it runs
                // what is queued or stops, and nothing would wake it (Close woke the sleepers already; a refused
                // submission leaves a dead task in the queue and wakes no one). It used to test the queue, the
                // state, then the queue again: empty, closed, then a refused task just enqueued (not empty: no
                // stop), and it slept for ever with Join waiting on it.
                PoolState s = State;
                if (s != PoolState.Open || !queue.IsEmpty)
                {
                    if (!TryUncountSleeper())
                    {
                        // A waker counted us off already and released the semaphore for us: take that release.
                        wake.Wait();
                    }

                    continue;
                }

                wake.Wait();
            }
        }
        finally
        {
            Interlocked.Decrement(ref hot.Idle);
            self.Tally.IsIdle = false;
        }
    }

    private bool ShouldStop()
    {
        PoolState s = State;
        return s >= PoolState.Terminated || (s == PoolState.Closed && queue.IsEmpty);
    }

    private void WakeOne()
    {
        if (TryUncountSleeper())
        {
            wake.Release();
        }
    }

    private void WakeAll()
    {
        int sleepers = Interlocked.Exchange(ref hot.Sleepers, 0);
        if (sleepers > 0)
        {
            wake.Release(sleepers);
        }
    }

    private bool TryUncountSleeper()
    {
        int s = Volatile.Read(ref hot.Sleepers);
        while (s > 0)
        {
            int seen = Interlocked.CompareExchange(ref hot.Sleepers, s - 1, s);
            if (seen == s)
            {
                return true;
            }

            s = seen;
        }

        return false;
    }

    /// <summary>Starts a thread if fewer than the maximum serve the pool and there is, or may be, work for it.</summary>
    private void TryAddWorker()
    {
        ThreadWorker worker;
        lock (gate)
        {
            PoolState s = State;
            if (hot.Alive >= WorkerCount || s >= PoolState.Terminated || (s == PoolState.Closed && !HasQueuedWork()))
            {
                return;
            }

            Interlocked.Increment(ref hot.Alive);
            string name = $"{Name} thread {++threadsStarted}";
            WorkerTally tally = AddWorker();
            tally.Name = name;
            worker = new ThreadWorker(this, name, tally);
            workers.Add(worker);
        }

        worker.Start();
    }

    /// <summary>A thread stops serving the pool (it stops, or ran its share of tasks).</summary>
    private void WorkerLeft(ThreadWorker self)
    {
        lock (gate)
        {
            if (!self.Abandoned && workers.Remove(self))
            {
                Interlocked.Decrement(ref hot.Alive);
                RetireWorker(self.Tally);
            }
        }

        AfterWorkerLeft();
    }

    /// <summary>
    /// After a thread left, or the pool closed or terminated: replace the thread if tasks wait, and tell
    /// <see cref="WorkerPool.Join()"/> once no thread is left and nothing is left to run.
    /// </summary>
    private void AfterWorkerLeft()
    {
        // Alive was decremented with a full fence before this read, so a task queued meanwhile is seen here,
        // or its submitter saw the lower count and started a thread itself.
        // Open: any task in the queue (cheap; one that ended there costs at most a thread that skips it). Closed:
        // only a task still queued, since a closed pool with none must stop.
        PoolState now = State;
        if (now == PoolState.Open ? !queue.IsEmpty : now == PoolState.Closed && HasQueuedWork())
        {
            TryAddWorker();
        }

        lock (gate)
        {
            PoolState s = State;
            if (hot.Alive == 0 && s != PoolState.Open && (s != PoolState.Closed || !HasQueuedWork()))
            {
                SignalStopped();
            }
        }
    }

    /// <summary>
    /// Whether a task in the queue still waits to run. The queue may also hold tasks that ended while queued
    /// (cancelled, or rejected because the pool stopped as they were queued), which a thread skips: they keep
    /// no thread alive and no stop from happening. Only on the paths of a closed pool: enumerating the queue
    /// snapshots it (its tail segment then takes no more items).
    /// </summary>
    private bool HasQueuedWork()
    {
        if (queue.IsEmpty)
        {
            return false;
        }

        foreach (IThreadWork work in queue)
        {
            if (work.IsQueued)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The counters submitters read on every task, on a cache line of their own; they change only when threads go idle, sleep, start or stop.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct HotCounts
    {
        /// <summary>Threads asleep on the semaphore, or about to sleep, that a submitter may wake.</summary>
        [FieldOffset(64)]
        public int Sleepers;

        /// <summary>Threads looking for work: spinning or asleep.</summary>
        [FieldOffset(68)]
        public int Idle;

        /// <summary>Threads that serve the pool (not given up to a timed-out task).</summary>
        [FieldOffset(72)]
        public int Alive;

        /// <summary>
        /// 1 while a thread spins on the empty queue, 0 otherwise (one spinner at a time). On a line of its own:
        /// it flips with every task a fast thread takes, and a submitter that finds it set reads nothing else.
        /// </summary>
        [FieldOffset(128)]
        public int Spinners;
    }
}
