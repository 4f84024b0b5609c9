using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Multiprocessing;

/// <summary>
/// The settings of a <see cref="ThreadWorkerPool"/> registered with
/// <see cref="Microsoft.Extensions.DependencyInjection.WorkerPoolServiceCollectionExtensions.AddThreadWorkerPool"/>:
/// the same settings as <see cref="PoolOptions"/>, settable, so that the options pattern can bind them from
/// configuration and a <c>configure</c> delegate can change them. Every property is optional.
/// </summary>
/// <remarks>
/// <para>They are read from the configuration section <c>Multiprocessing:Pools:{name}</c> first (appsettings.json,
/// or environment variables such as <c>Multiprocessing__Pools__render__WorkerCount=2</c>), then the
/// <c>configure</c> delegate runs and may change them. Times are written as <see cref="TimeSpan"/>s
/// (<c>"00:00:30"</c>), <see cref="WhenQueueFull"/> by name (<c>"Throw"</c>).</para>
/// <para>Why not <see cref="PoolOptions"/> itself: its properties are <c>init</c>-only, so a <c>configure</c>
/// delegate could not set them once the object exists.</para>
/// </remarks>
public class HostedPoolOptions
{
    /// <summary>The most workers the pool runs at once (<see cref="PoolOptions.WorkerCount"/>). Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int? WorkerCount { get; set; }

    /// <summary>Runs once in each worker before its first task (<see cref="PoolOptions.Initializer"/>). Code only: configuration cannot set it.</summary>
    public Action? Initializer { get; set; }

    /// <summary>After this many tasks a worker is replaced (<see cref="PoolOptions.MaxTasksPerWorker"/>). Default: no limit.</summary>
    public int? MaxTasksPerWorker { get; set; }

    /// <summary>How long a task may run (<see cref="PoolOptions.TaskTimeout"/>). Default: no limit.</summary>
    public TimeSpan? TaskTimeout { get; set; }

    /// <summary>The most tasks that may wait, not yet started (<see cref="PoolOptions.MaxQueuedTasks"/>). Default: no limit.</summary>
    public int? MaxQueuedTasks { get; set; }

    /// <summary>What submitting does when <see cref="MaxQueuedTasks"/> tasks already wait (<see cref="PoolOptions.WhenQueueFull"/>). Default: <see cref="QueueFullBehavior.Wait"/>.</summary>
    public QueueFullBehavior WhenQueueFull { get; set; }

    /// <summary>The pool's name, which names its workers (<see cref="PoolOptions.Name"/>). Default: the name the pool was registered with.</summary>
    public string? Name { get; set; }

    /// <summary>The options of a <see cref="ThreadWorkerPool"/> made from these settings.</summary>
    /// <param name="registeredName">The name the pool was registered with: its <see cref="PoolOptions.Name"/> unless <see cref="Name"/> is set.</param>
    /// <param name="services">The host's services: its <see cref="ILoggerFactory"/>, if it has one, becomes the pool's <see cref="PoolOptions.LoggerFactory"/>, its <see cref="IMeterFactory"/> (AddMetrics) the pool's <see cref="PoolOptions.MeterFactory"/>.</param>
    /// <returns>New options.</returns>
    internal PoolOptions ToPoolOptions(string registeredName, IServiceProvider services) => new()
    {
        WorkerCount = WorkerCount,
        Initializer = Initializer,
        MaxTasksPerWorker = MaxTasksPerWorker,
        TaskTimeout = TaskTimeout,
        MaxQueuedTasks = MaxQueuedTasks,
        WhenQueueFull = WhenQueueFull,
        Name = Name ?? registeredName,
        LoggerFactory = services.GetService<ILoggerFactory>(), // The host's: the pool's events and its workers' records go where the app's logs go.
        MeterFactory = services.GetService<IMeterFactory>(), // The host's meters, if it has them (AddMetrics).
    };
}
