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
            WorkerEnvironment = process.WorkerEnvironment;
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

    /// <summary>
    /// Environment variables to set (or, with a null value, remove) in every worker process, on top of this
    /// process's, as <see cref="ChildProcessOptions.Environment"/> does for one child. Default: none beyond the two
    /// runtime settings below.
    /// </summary>
    /// <remarks>
    /// <para>The runtime reads its settings from the environment when a worker starts, so this is how a pool's workers
    /// get other JIT or GC settings than the caller, for example <c>DOTNET_GCHeapHardLimit</c>. Read once, when the
    /// pool is created.</para>
    /// <para>Unless this process sets them itself (its workers then inherit its values) or this dictionary names them
    /// (under <c>DOTNET_</c> or <c>COMPlus_</c>; a null value keeps the runtime's default), workers start with
    /// <c>DOTNET_TieredPGO=0</c> and <c>DOTNET_TC_CallCountingDelayMs=0</c>: a worker compiles the code it runs
    /// afresh, and with the runtime's defaults the hot methods of a library it keeps discovering ran unoptimized, then
    /// instrumented, for most of a map (W13 in bench/README.md, a pool rendering Markdown on a quiet machine: its second
    /// map at 0.46 × one thread's speed with the runtime's defaults, 1.55 × with these, where two threads of one process
    /// reached 1.33 ×). <c>DOTNET_TieredCompilation=0</c> cuts a new pool's first map further for a pool that lives
    /// for one batch of heavy work, as does an <see cref="PoolOptions.Initializer"/> that calls the library. A pool
    /// created while <see cref="ChildProcess.WarmSpares"/> is above 0, with no variables here, takes its workers from
    /// the spares instead, which run with this process's settings (a worker given its own environment never takes a
    /// spare).</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// using var pool = new ProcessPool(new ProcessPoolOptions
    /// {
    ///     WorkerEnvironment = new Dictionary&lt;string, string?&gt; { ["DOTNET_GCHeapHardLimit"] = "0x10000000", ["DOTNET_TieredPGO"] = null },
    /// });
    /// </code>
    /// </example>
    public IReadOnlyDictionary<string, string?>? WorkerEnvironment { get; init; }
}
