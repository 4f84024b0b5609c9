using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Multiprocessing;

namespace HostedPool;

/// <summary>The app's work: renders ten frames on the pool, reports the pool's health, then stops the host (or waits to be stopped).</summary>
/// <param name="pool">The pool registered as "render", resolved by its key.</param>
/// <param name="health">The host's health checks.</param>
/// <param name="lifetime">Stops the host once the work is done.</param>
/// <param name="configuration">Sample:WaitForStop (wait for Ctrl+C / SIGTERM), Sample:BusySeconds (leave a task running for that long).</param>
internal sealed class RenderJob(
    [FromKeyedServices("render")] ProcessPool pool,
    HealthCheckService health,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Console.WriteLine($"render: {pool}, worker pids {string.Join(' ', pool.WorkerPids)}");

        int[] frames = await pool.MapAsync(Frames.Render, Enumerable.Range(0, 10), cancellationToken: stoppingToken);
        Console.WriteLine("frames: " + string.Join(", ", frames));

        HealthReport report = await health.CheckHealthAsync(stoppingToken);
        Console.WriteLine($"health: {report.Status} ({report.Entries["pool:render"].Description})");

        if (!configuration.GetValue<bool>("Sample:WaitForStop"))
        {
            lifetime.StopApplication();
            return;
        }

        int busySeconds = configuration.GetValue<int>("Sample:BusySeconds");
        if (busySeconds > 0)
        {
            // Still running when the host stops: the pool waits for it until the shutdown timeout, then kills its worker.
            _ = pool.Submit(Frames.Busy, busySeconds, CancellationToken.None);
        }

        Console.WriteLine("ready: stop with Ctrl+C or SIGTERM");
    }
}
