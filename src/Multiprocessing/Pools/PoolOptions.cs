using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Multiprocessing;

/// <summary>
/// How a pool (<see cref="ThreadWorkerPool"/> or <see cref="ProcessPool"/>) runs: how many workers, what each runs
/// first, when a worker is replaced, how long a task may run, and how many tasks may wait. Every property is optional.
/// What only a pool of processes takes (a memory limit per worker, the grace period of a cancelled task) is in
/// <see cref="ProcessPoolOptions"/>, which has these too.
/// </summary>
/// <example>
/// <code>
/// using var pool = new ThreadWorkerPool(new PoolOptions
/// {
///     WorkerCount = 5,                            // Python: ThreadPool(5), ThreadPoolExecutor(5)
///     MaxQueuedTasks = 100,                       // the seed's ThreadPool(5, max_task_num=100)
///     TaskTimeout = TimeSpan.FromSeconds(30),
/// });
/// </code>
/// </example>
public class PoolOptions
{
    /// <summary>Creates options with every setting at its default.</summary>
    public PoolOptions()
    {
    }

    /// <summary>Creates options with the settings of <paramref name="options"/> (for a derived type's copy constructor).</summary>
    /// <param name="options">The settings to copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    protected PoolOptions(PoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        WorkerCount = options.WorkerCount;
        Initializer = options.Initializer;
        MaxTasksPerWorker = options.MaxTasksPerWorker;
        TaskTimeout = options.TaskTimeout;
        MaxQueuedTasks = options.MaxQueuedTasks;
        WhenQueueFull = options.WhenQueueFull;
        Name = options.Name;
        MeterFactory = options.MeterFactory;
        LoggerFactory = options.LoggerFactory;
    }

    /// <summary>
    /// The most workers the pool runs at once (Python's <c>processes</c> / <c>max_workers</c>). Default:
    /// <see cref="Environment.ProcessorCount"/>. A <see cref="ThreadWorkerPool"/> starts them on demand, a
    /// process pool may start them at once.
    /// </summary>
    public int? WorkerCount { get; init; }

    /// <summary>
    /// Runs once in each worker before its first task (Python's <c>initializer</c>; capture what would be
    /// <c>initargs</c>). If it throws, the pool is broken: its tasks fail with a <see cref="BrokenPoolException"/>
    /// whose inner exception is the initializer's, and later submissions throw it.
    /// </summary>
    public Action? Initializer { get; init; }

    /// <summary>
    /// After this many tasks a worker stops and a new one takes its place (Python's <c>maxtasksperchild</c>).
    /// Default: no limit. Chunks of map-style calls count as one task each.
    /// </summary>
    public int? MaxTasksPerWorker { get; init; }

    /// <summary>
    /// How long a task may run, counted from when it starts (time in the queue does not count); past it the
    /// task fails with a <see cref="TimeoutException"/>. For a map-style call, each chunk may run this long per
    /// item it holds. Default: no limit. A process pool kills the worker; a <see cref="ThreadWorkerPool"/> cannot
    /// stop a thread, so see its remarks for what happens to the thread.
    /// </summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>
    /// The most tasks that may wait in the queue, not yet started (the seed's <c>max_task_num</c>). Default:
    /// null, no limit. What a submission does when the queue is full is <see cref="WhenQueueFull"/>.
    /// </summary>
    public int? MaxQueuedTasks { get; init; }

    /// <summary>What submitting does when <see cref="MaxQueuedTasks"/> tasks are already waiting. Default: <see cref="QueueFullBehavior.Wait"/>.</summary>
    public QueueFullBehavior WhenQueueFull { get; init; }

    /// <summary>The pool's name, used to name its workers. Default: <c>ThreadWorkerPool-N</c> (or <c>ProcessPool-N</c>), numbered per process.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Makes the meter <c>Multiprocessing</c> that the pool records its metrics in (see docs/telemetry.md), as
    /// <c>SocketsHttpHandler.MeterFactory</c> does: give the host's (from dependency injection) so that its
    /// listeners and exporters see the pool. Default: null, a meter shared by the whole process. The pool's
    /// worker processes start with it too (<see cref="ChildProcessOptions.MeterFactory"/>).
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Where a <see cref="ProcessPool"/> logs (a worker died, was replaced or recycled, a task timed out or threw:
    /// category <c>Multiprocessing.ProcessPool</c>, event ids in <see cref="MultiprocessingLogEvents"/>), and where its
    /// workers' own records go (see <see cref="CurrentProcess.LoggerFactory"/>). A <see cref="ThreadWorkerPool"/> has
    /// nothing of the kind to log, and ignores it. Default: <see cref="MultiprocessingLogging.LoggerFactory"/>.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
