namespace Multiprocessing.Pools;

/// <summary>One thread of a <see cref="ThreadWorkerPool"/>: its thread, its tally, the task it runs now, and its timeout timer.</summary>
internal sealed class ThreadWorker
{
    private readonly ThreadWorkerPool pool;
    private IThreadWork? current;
    private long startedAt;
    private Timer? timer;

    public ThreadWorker(ThreadWorkerPool pool, string name, WorkerTally tally)
    {
        this.pool = pool;
        Name = name;
        Tally = tally;
        Thread = new Thread(static s => ((ThreadWorker)s!).pool.WorkerMain((ThreadWorker)s!))
        {
            Name = name,
            IsBackground = true,
        };
    }

    public string Name { get; }

    public Thread Thread { get; }

    public WorkerTally Tally { get; }

    /// <summary>The task this worker has taken (set before it starts it, cleared after it ends), for timeouts and terminate.</summary>
    public IThreadWork? Current
    {
        get => Volatile.Read(ref current);
        set => Volatile.Write(ref current, value);
    }

    /// <summary>When <see cref="Current"/> started (<see cref="System.Diagnostics.Stopwatch"/> timestamp); written before <see cref="Current"/>, and only for tasks with a timeout.</summary>
    public long StartedAt
    {
        get => Volatile.Read(ref startedAt);
        set => Volatile.Write(ref startedAt, value);
    }

    /// <summary>Set (under the pool's lock) once a timeout has given this thread up: it no longer serves the pool.</summary>
    public bool Abandoned { get; set; }

    public void Start() => Thread.UnsafeStart(this);

    /// <summary>On the worker's thread: fires <see cref="ThreadWorkerPool.OnTimer"/> after <paramref name="ticks"/> Stopwatch ticks.</summary>
    public void Arm(long ticks)
    {
        timer ??= CreateTimer();
        timer.Change(ToMilliseconds(ticks), Timeout.Infinite);
    }

    /// <summary>On the timer's thread: fires again after <paramref name="ticks"/>, unless the worker has stopped and disposed its timer meanwhile.</summary>
    public void Rearm(long ticks)
    {
        try
        {
            timer?.Change(ToMilliseconds(ticks), Timeout.Infinite);
        }
        catch (ObjectDisposedException)
        {
            // The worker has stopped: nothing left to time.
        }
    }

    public void Disarm() => timer?.Change(Timeout.Infinite, Timeout.Infinite);

    public void DisposeTimer() => timer?.Dispose();

    private static long ToMilliseconds(long ticks) =>
        Math.Min(uint.MaxValue - 1L, Math.Max(1, (long)Math.Ceiling(ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency)));

    private Timer CreateTimer()
    {
        using (ExecutionContext.SuppressFlow())
        {
            return new Timer(static s => ((ThreadWorker)s!).pool.OnTimer((ThreadWorker)s!), this, Timeout.Infinite, Timeout.Infinite);
        }
    }
}
