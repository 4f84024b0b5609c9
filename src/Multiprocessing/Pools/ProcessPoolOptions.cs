namespace Multiprocessing;

/// <summary>
/// How a <see cref="ProcessPool"/> runs: every <see cref="PoolOptions"/> setting, and what only a pool of worker
/// processes takes (a memory limit per worker, the grace period of a cancelled task). Every property is optional.
/// A <see cref="ThreadWorkerPool"/> refuses these options: a thread has no memory of its own and cannot be killed.
/// </summary>
/// <example>
/// <code>
/// using var pool = new ProcessPool(new ProcessPoolOptions
/// {
///     WorkerCount = 4,                                // Python: Pool(4), ProcessPoolExecutor(4)
///     MaxTasksPerWorker = 100,                        // maxtasksperchild=100
///     MaxMemoryPerWorker = 512L &lt;&lt; 20,                // replace a worker past 512 MiB, between tasks
///     CancelGracePeriod = TimeSpan.FromSeconds(5),    // a cancelled task's worker: SIGTERM, then SIGKILL after 5 s
/// });
/// </code>
/// </example>
public sealed class ProcessPoolOptions : PoolOptions
{
    /// <summary>Creates options with every setting at its default.</summary>
    public ProcessPoolOptions()
    {
    }

    /// <summary>Creates options with the settings of <paramref name="options"/>: the settings of every pool, and, if it is a <see cref="ProcessPoolOptions"/>, those of a process pool.</summary>
    /// <param name="options">The settings to copy; an initializer on this call then changes what it sets.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <example>
    /// <code>
    /// var process = new ProcessPoolOptions(common) { MaxMemoryPerWorker = 512L &lt;&lt; 20 };
    /// </code>
    /// </example>
    public ProcessPoolOptions(PoolOptions options)
        : base(options)
    {
        if (options is ProcessPoolOptions process)
        {
            MaxMemoryPerWorker = process.MaxMemoryPerWorker;
            CancelGracePeriod = process.CancelGracePeriod;
        }
    }

    /// <summary>
    /// When a worker process uses more memory than this many bytes (its working set) after a task, it is replaced
    /// before the next task, as billiard's and loky's pools do. Default: no limit.
    /// </summary>
    public long? MaxMemoryPerWorker { get; init; }

    /// <summary>
    /// When a running task is cancelled through its token, its worker gets SIGTERM (which the task can watch as
    /// <see cref="CurrentProcess.TerminationToken"/>, to stop cooperatively); a worker still running this long after
    /// is killed (SIGKILL). <see cref="Timeout.InfiniteTimeSpan"/>: never killed, the worker is left to stop by itself;
    /// <see cref="TimeSpan.Zero"/>: killed at once; at most about 24.8 days (<see cref="int.MaxValue"/> milliseconds).
    /// Default: <see cref="ProcessPool.DefaultCancelGracePeriod"/> (2 seconds).
    /// </summary>
    public TimeSpan? CancelGracePeriod { get; init; }
}
