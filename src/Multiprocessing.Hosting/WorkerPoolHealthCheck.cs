using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Multiprocessing.Hosting;

/// <summary>
/// The health of one pool: Unhealthy (the registration's failure status) once it is broken or accepts no more
/// work; Degraded while a process pool has fewer live workers than it should (some are being started or replaced);
/// Healthy otherwise. The data hold the pool's counters.
/// </summary>
/// <param name="pool">The pool.</param>
internal sealed class WorkerPoolHealthCheck(WorkerPool pool) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        PoolCounters c = pool.Counters;
        var data = new Dictionary<string, object>
        {
            ["workerCount"] = pool.WorkerCount,
            ["workersAlive"] = c.WorkersAlive,
            ["workersIdle"] = c.WorkersIdle,
            ["workersStarted"] = c.WorkersStarted,
            ["queued"] = c.Queued,
            ["running"] = c.Running,
            ["completed"] = c.Completed,
            ["failed"] = c.Failed,
        };

        HealthCheckResult result = PoolProbe.WhyNotAccepting(pool) switch
        {
            BrokenPoolException broken => new(context.Registration.FailureStatus, broken.Message, broken, data),
            Exception refused => new(context.Registration.FailureStatus, $"The pool {pool.Name} accepts no more tasks: {refused.Message}", null, data),
            null when pool is ProcessPool && c.WorkersAlive < pool.WorkerCount => HealthCheckResult.Degraded(
                $"The pool {pool.Name} has {c.WorkersAlive} of its {pool.WorkerCount} worker processes alive; the others are being started or replaced.", null, data),
            null => HealthCheckResult.Healthy(
                $"The pool {pool.Name} is open: {c.WorkersAlive} of {pool.WorkerCount} workers alive, {c.Running} tasks running, {c.Queued} queued.", data),
        };
        return Task.FromResult(result);
    }
}
