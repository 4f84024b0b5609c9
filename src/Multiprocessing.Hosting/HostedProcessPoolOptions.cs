using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Multiprocessing;

/// <summary>
/// The settings of a <see cref="ProcessPool"/> registered with
/// <see cref="Microsoft.Extensions.DependencyInjection.WorkerPoolServiceCollectionExtensions.AddProcessPool"/>:
/// every <see cref="HostedPoolOptions"/> setting and what only a pool of processes takes, as in
/// <see cref="ProcessPoolOptions"/>, settable. Every property is optional.
/// </summary>
/// <remarks>Read from the configuration section <c>Multiprocessing:Pools:{name}</c>, then changed by the <c>configure</c> delegate; see <see cref="HostedPoolOptions"/>.</remarks>
/// <example>
/// <code>
/// // appsettings.json: { "Multiprocessing": { "Pools": { "render": { "WorkerCount": 4, "TaskTimeout": "00:01:00" } } } }
/// builder.Services.AddProcessPool("render", o => o.MaxTasksPerWorker ??= 100);
/// </code>
/// </example>
public sealed class HostedProcessPoolOptions : HostedPoolOptions
{
    /// <summary>Bytes of memory past which a worker process is replaced between tasks (<see cref="ProcessPoolOptions.MaxMemoryPerWorker"/>). Default: no limit.</summary>
    public long? MaxMemoryPerWorker { get; set; }

    /// <summary>How long a worker whose running task was cancelled may take to stop before it is killed (<see cref="ProcessPoolOptions.CancelGracePeriod"/>). Default: 2 seconds.</summary>
    public TimeSpan? CancelGracePeriod { get; set; }

    /// <summary>The options of a <see cref="ProcessPool"/> made from these settings.</summary>
    /// <param name="registeredName">The name the pool was registered with: its <see cref="PoolOptions.Name"/> unless <see cref="HostedPoolOptions.Name"/> is set.</param>
    /// <param name="services">The host's services: its <see cref="ILoggerFactory"/>, if it has one, becomes the pool's <see cref="PoolOptions.LoggerFactory"/>, its <see cref="IMeterFactory"/> (AddMetrics) the pool's <see cref="PoolOptions.MeterFactory"/>.</param>
    /// <returns>New options.</returns>
    internal ProcessPoolOptions ToProcessPoolOptions(string registeredName, IServiceProvider services) => new(ToPoolOptions(registeredName, services))
    {
        MaxMemoryPerWorker = MaxMemoryPerWorker,
        CancelGracePeriod = CancelGracePeriod,
    };
}
