using Microsoft.Extensions.Diagnostics.HealthChecks;
using Multiprocessing;
using Multiprocessing.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks for the pools registered with <see cref="WorkerPoolServiceCollectionExtensions"/>.</summary>
public static class WorkerPoolHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of the pool registered as <paramref name="poolName"/> (a process or a thread pool).
    /// It reports the failure status (Unhealthy by default) once the pool is broken (its description is the
    /// <see cref="BrokenPoolException"/>'s message, with the cause) or accepts no more work (closed, terminated,
    /// disposed: so while the host stops); Degraded while a <see cref="ProcessPool"/> has fewer live worker processes
    /// than <see cref="WorkerPool.WorkerCount"/> (a worker is being started or replaced: after a crash, a timeout, a
    /// cancellation or <see cref="PoolOptions.MaxTasksPerWorker"/>); Healthy otherwise (a
    /// <see cref="ThreadWorkerPool"/> starts its threads on demand, so few live threads is healthy). The result's data
    /// hold <see cref="WorkerPool.Counters"/> and the worker count.
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="poolName">The name the pool was registered with.</param>
    /// <param name="name">The health check's name; default <c>pool:{poolName}</c>.</param>
    /// <param name="failureStatus">What to report when the pool is broken or stopped; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter health checks by.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="poolName"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="poolName"/> is empty or white space.</exception>
    /// <remarks>The pool is resolved when the check first runs; a name that no pool was registered with fails the check then.</remarks>
    public static IHealthChecksBuilder AddWorkerPool(
        this IHealthChecksBuilder builder,
        string poolName,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(poolName);
        return builder.Add(new HealthCheckRegistration(
            name ?? "pool:" + poolName,
            sp => new WorkerPoolHealthCheck(sp.GetRequiredKeyedService<WorkerPool>(poolName)),
            failureStatus,
            tags));
    }
}
