using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;
using Multiprocessing.Processes;

namespace Multiprocessing;

/// <summary>
/// A pool of worker processes (Python's <c>multiprocessing.Pool</c> and <c>ProcessPoolExecutor</c>), with the
/// API every <see cref="WorkerPool"/> has. Delegates and their arguments are encoded in the caller (an argument
/// that cannot cross fails there) and run in long-lived worker processes, each fed through its own pipe.
/// </summary>
/// <remarks>
/// <para><b>Faults</b>: a worker that dies while it runs a task — killed, <c>Environment.FailFast</c>, a stack
/// overflow, a native crash — fails that task alone with a <see cref="ProcessDiedException"/> naming its pid and
/// exit code or signal; the tasks queued behind it go to other workers, and a new worker takes its place (CPython's
/// <c>Pool</c> hangs for ever there, and <c>concurrent.futures</c> breaks the whole pool). A task past its timeout
/// (<see cref="PoolOptions.TaskTimeout"/>) has its worker killed and replaced, and fails with a
/// <see cref="TimeoutException"/>. An exception thrown by a task reaches the caller as a
/// <see cref="RemoteException"/> with the remote type, message and stack trace, and the worker carries on.</para>
/// <para><b>Cancellation</b>: a task still queued is dropped; a task already running gets SIGTERM, which the task
/// can observe through <see cref="CurrentProcess.TerminationToken"/> to stop cooperatively; a worker that does not
/// stop within <see cref="ProcessPoolOptions.CancelGracePeriod"/> (2 s by default) is killed. Either way the task is cancelled and the worker replaced.
/// A task whose delegate takes a <see cref="CancellationToken"/> (<c>Submit((CancellationToken ct) => ..., token)</c>)
/// is cancelled through that token instead, in the worker: if it ends within the grace period the worker serves the
/// next task; if not, it is killed and replaced.</para>
/// <para><b>Asynchronous delegates</b> (<c>Func&lt;Task&lt;T&gt;&gt;</c>...) run to their end in the worker, which
/// waits for their task, and the call's result is that task's result.</para>
/// <para>Workers start when the pool is created (about the time of one process start each, in parallel); tasks
/// submitted meanwhile wait in their pipes. Each worker holds a few tasks ahead of the one it runs: as many as make about a millisecond of its recent tasks (2 to 64), so that short tasks stream; and a worker that is idle takes the tasks another holds behind a long one and has not started (each task still runs exactly once), so no task waits behind a running one while a worker is free.</para>
/// <para>Large tasks and results (bigger than a worker's pipe) flow both ways at once: the thread that reads a
/// worker's results never waits to write to it, so a worker waiting to write a result is always read.</para>
/// </remarks>
public sealed partial class ProcessPool : WorkerPool
{
    /// <summary>The default of <see cref="ProcessPoolOptions.CancelGracePeriod"/>.</summary>
    public static readonly TimeSpan DefaultCancelGracePeriod = TimeSpan.FromSeconds(2);

    /// <summary>How many workers in a row may die before they are ready (started, initializer run) before the pool gives up as broken.</summary>
    private const int MaxDeathsBeforeReady = 3;

    /// <summary>How long a worker whose running task was cancelled may take to stop before it is killed (<see cref="ProcessPoolOptions.CancelGracePeriod"/>).</summary>
    public TimeSpan CancelGracePeriod { get; }

    /// <summary>Bytes of memory past which a worker process is replaced between tasks (<see cref="ProcessPoolOptions.MaxMemoryPerWorker"/>); 0 for no limit.</summary>
    private long MaxMemoryPerWorker { get; }

    /// <summary>What <see cref="TerminateWorkers"/> terminates the pool by (see <see cref="WorkerPool.TerminateBy"/>): also how <see cref="OnTerminate"/> knows to stop the workers with SIGTERM.</summary>
    private const string ByTerminateWorkers = "TerminateWorkers() (its workers were sent SIGTERM)";

    private const string ByKillWorkers = "KillWorkers() (its workers were killed)";

    private static readonly byte[] ForgetFrame = [ProcessWire.Forget];
    private static int poolCounter;

    /// <summary>This thread's list of the workers a <see cref="Pump"/> flushes, empty between calls (see <see cref="Touch"/>).</summary>
    [ThreadStatic]
    private static List<ProcessWorker>? spareTouched;

    private readonly Lock gate = new();
    private readonly LinkedList<ProcessTask> queued = new();
    private readonly ProcessWorker?[] slots;
    private readonly byte[] initializer;
    private readonly Dictionary<string, string?>? workerEnvironment;
    private long nextTaskId;
    private int workerNumber;
    private bool failedToStart;
    private int deathsBeforeReady;

    /// <summary>Creates a pool and starts its workers (Python's <c>Pool(processes, initializer, maxtasksperchild)</c>, <c>ProcessPoolExecutor(max_workers, ...)</c>).</summary>
    /// <param name="options">Worker count, initializer, limits, timeout, queue bound, memory limit, grace period; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count, a size or a time in <paramref name="options"/> is out of its range.</exception>
    /// <exception cref="ArgumentException">The initializer cannot be encoded for another process, or a name or value of <see cref="ProcessPoolOptions.WorkerEnvironment"/> is not one.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start processes.</exception>
    public ProcessPool(ProcessPoolOptions? options = null)
        : this(options, options)
    {
    }

    /// <summary>Creates a pool from the settings every pool takes (a <see cref="ProcessPoolOptions"/> passed as such is read whole), and starts its workers.</summary>
    /// <param name="options">Worker count, initializer, limits, timeout, queue bound; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or a time in <paramref name="options"/> is out of its range.</exception>
    /// <exception cref="ArgumentException">The initializer cannot be encoded for another process, or a name or value of <see cref="ProcessPoolOptions.WorkerEnvironment"/> is not one.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start processes.</exception>
    public ProcessPool(PoolOptions? options)
        : this(options, options as ProcessPoolOptions)
    {
    }

    /// <summary>Creates a pool of <paramref name="workerCount"/> worker processes (Python's <c>Pool(n)</c>, <c>ProcessPoolExecutor(n)</c>) and starts them.</summary>
    /// <param name="workerCount">How many worker processes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workerCount"/> is less than 1.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start processes.</exception>
    public ProcessPool(int workerCount)
        : this(new ProcessPoolOptions { WorkerCount = workerCount })
    {
    }

    private ProcessPool(PoolOptions? options, ProcessPoolOptions? processOptions)
        : base(options, $"ProcessPool-{Interlocked.Increment(ref poolCounter)}")
    {
        if (processOptions?.MaxMemoryPerWorker is long maxMemory)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxMemory, 1, "options.MaxMemoryPerWorker");
        }

        if (processOptions?.CancelGracePeriod is TimeSpan grace && grace != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero, "options.CancelGracePeriod");
            ArgumentOutOfRangeException.ThrowIfGreaterThan(grace, TimeSpan.FromMilliseconds(int.MaxValue), "options.CancelGracePeriod");
        }

        MaxMemoryPerWorker = processOptions?.MaxMemoryPerWorker ?? 0;
        CancelGracePeriod = processOptions?.CancelGracePeriod ?? DefaultCancelGracePeriod;
        initializer = Initializer is { } init ? DelegatePayload.EncodeFunction(init) : [];
        // With warm spares and no variables of the caller's, workers come from the spares, which run with this
        // process's settings: a worker given its own environment never takes one (see ChildProcess.WarmSpares).
        workerEnvironment = processOptions?.WorkerEnvironment is null or { Count: 0 } && ChildProcess.WarmSpares > 0
            ? null
            : WorkerEnvironment.ForWorkers(processOptions?.WorkerEnvironment, "options.WorkerEnvironment", WorkerEnvironment.ConfiguredHere);
        (loggerFactory, logger) = CreateLogger(options?.LoggerFactory);
        slots = new ProcessWorker?[WorkerCount];
        lock (gate)
        {
            try
            {
                for (int i = 0; i < slots.Length; i++)
                {
                    slots[i] = StartWorker(i);
                }
            }
            catch
            {
                failedToStart = true; // The workers' reader threads must not replace them.
                foreach (ProcessWorker? w in slots)
                {
                    w?.Child.KillIfRunning();
                }

                throw;
            }
        }
    }

    /// <summary>The pids of the live workers, for diagnostics.</summary>
    public IReadOnlyList<int> WorkerPids
    {
        get
        {
            lock (gate)
            {
                return [.. slots.Where(w => w is { Gone: false }).Select(w => w!.Child.Pid)];
            }
        }
    }

    /// <summary>How many tasks idle workers have taken from busy ones so far (see <see cref="Steal"/>), for tests and diagnostics.</summary>
    internal long TasksTaken { get; private set; }

    /// <summary>How many tasks each live worker may hold now (see <see cref="ProcessWorker.Depth"/>), for tests and diagnostics.</summary>
    internal int[] WorkerDepths
    {
        get
        {
            lock (gate)
            {
                return [.. slots.Where(w => w is { Gone: false }).Select(w => w!.Depth)];
            }
        }
    }

    /// <summary>
    /// Stops every worker now with SIGTERM (Python 3.14's <c>ProcessPoolExecutor.terminate_workers()</c>), and with
    /// it the pool: as <see cref="WorkerPool.Terminate"/>, it refuses new work (<see cref="InvalidOperationException"/>)
    /// and fails every queued and running task at once with a <see cref="PoolTerminatedException"/> that says so.
    /// Returns at once; <see cref="WorkerPool.Join()"/> (or <see cref="WorkerPool.Dispose"/>) waits for the workers to exit.
    /// </summary>
    /// <remarks>
    /// A task that watches <see cref="CurrentProcess.TerminationToken"/> sees it fire and may clean up; a worker still
    /// running <see cref="CancelGracePeriod"/> later is killed (SIGKILL), as for a cancelled task, so a later
    /// <see cref="WorkerPool.Join()"/> returns (with <see cref="Timeout.InfiniteTimeSpan"/> as the grace period, it
    /// waits for such workers to end by themselves). Python's executor cancels the futures not yet running and fails
    /// the running ones with <c>BrokenProcessPool</c>; here both fail with <see cref="PoolTerminatedException"/>, as after
    /// <see cref="WorkerPool.Terminate"/>. Calling it again, after <see cref="WorkerPool.Terminate"/>, on a broken or a
    /// disposed pool does nothing.
    /// </remarks>
    public void TerminateWorkers() => TerminateBy(ByTerminateWorkers);

    /// <summary>
    /// Kills every worker now with SIGKILL (Python 3.14's <c>ProcessPoolExecutor.kill_workers()</c>), and with it the
    /// pool: it refuses new work (<see cref="InvalidOperationException"/>) and fails every queued and running task at
    /// once with a <see cref="PoolTerminatedException"/> that says so. Returns at once; <see cref="WorkerPool.Join()"/>
    /// (or <see cref="WorkerPool.Dispose"/>) waits for the workers to be gone.
    /// </summary>
    /// <remarks>
    /// <see cref="WorkerPool.Terminate"/> also kills a process pool's workers; this says it in its name and in the
    /// tasks' exceptions. Calling it again, after <see cref="WorkerPool.Terminate"/>, on a broken or a disposed pool does nothing.
    /// </remarks>
    public void KillWorkers() => TerminateBy(ByKillWorkers);

    /// <inheritdoc/>
    public override string ToString() => $"ProcessPool('{Name}', workers={WorkerCount})";

    private protected override void OnClose() => Pump();

    private protected override void OnTerminate()
    {
        bool graceful = TerminatedBy == ByTerminateWorkers;
        var dropped = new List<ProcessTask>();
        var running = new List<ProcessTask>();
        var workers = new List<ProcessWorker>();
        lock (gate)
        {
            dropped.AddRange(queued);
            queued.Clear();
            foreach (ProcessWorker? w in slots)
            {
                if (w is null)
                {
                    continue;
                }

                workers.Add(w);
                foreach (ProcessTask t in w.InFlight)
                {
                    (t.Running ? running : dropped).Add(t);
                    if (graceful && !t.Running)
                    {
                        w.Claims.TryRevoke(t.Seq); // A worker that outlives SIGTERM skips it (else it has just started it: it runs, unheard).
                    }
                }

                w.InFlight.Clear();
                w.Retiring = true;
            }
        }

        if (dropped.Count > 0)
        {
            CountDropped(dropped.Count);
        }

        foreach (ProcessTask t in dropped)
        {
            t.Fail(StopException());
        }

        foreach (ProcessTask t in running)
        {
            Exception stop = StopException();
            CountStoppedByPool(t.StartedAt, TaskOutcome.Failed, stop);
            RecordTask(t.Id, t.Worker?.Child.Name ?? Name, t.Worker?.Child.Pid, t.StartedAt, PoolTaskOutcome.Stopped, stop);
            t.Fail(stop);
        }

        foreach (ProcessWorker w in workers)
        {
            if (graceful)
            {
                StopGracefully(w.Child);
            }
            else
            {
                w.Child.KillIfRunning();
            }
        }

        CheckStopped();
    }

    /// <summary>Once the pool is closed or terminated and every worker has exited, Join returns.</summary>
    private void CheckStopped()
    {
        lock (gate)
        {
            if (State == PoolState.Open || slots.Any(w => w is not null) || (State == PoolState.Closed && queued.Count > 0))
            {
                return;
            }
        }

        SignalStopped();
    }
}