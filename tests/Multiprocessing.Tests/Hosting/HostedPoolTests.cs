using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Multiprocessing.Tests.Pools;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Hosting;

/// <summary>Multiprocessing.Hosting in a generic host, in this process: keyed pools, settings from configuration, start, drain and terminate on stop, health.</summary>
public class HostedPoolTests
{
    [Fact]
    public async Task BothPoolKinds_ResolveByKey_AsTheirTypeAndAsWorkerPool_OneInstance_AndRun()
    {
        using IHost host = Build(
            [],
            s =>
            {
                s.AddProcessPool("render", o => o.WorkerCount = 2);
                s.AddThreadWorkerPool("io", o => o.WorkerCount = 3);
                s.AddSingleton<Consumer>();
            });
        await host.StartAsync();

        ProcessPool render = host.Services.GetRequiredKeyedService<ProcessPool>("render");
        ThreadWorkerPool io = host.Services.GetRequiredKeyedService<ThreadWorkerPool>("io");
        Assert.Same(render, host.Services.GetRequiredKeyedService<WorkerPool>("render"));
        Assert.Same(io, host.Services.GetRequiredKeyedService<WorkerPool>("io"));
        Assert.Same(render, host.Services.GetRequiredService<Consumer>().Pool); // [FromKeyedServices("render")]
        Assert.Equal("render", render.Name);
        Assert.Equal(2, render.WorkerCount);
        Assert.Equal(3, io.WorkerCount);

        // Started warm: both workers are up before the first request.
        Assert.Equal(2, render.Counters.WorkersAlive);
        int[] pids = await render.MapAsync((int _) => Environment.ProcessId, Enumerable.Range(0, 4));
        Assert.DoesNotContain(Environment.ProcessId, pids);
        int[] squares = await io.MapAsync((int x) => x * x, Enumerable.Range(0, 4));
        Assert.Equal([0, 1, 4, 9], squares);

        await host.StopAsync();
        PoolTestSupport.Refuses<ObjectDisposedException>(() => render.Submit(HostedPoolTargets.Pid));
    }

    [Fact]
    public async Task Settings_AreBoundFromConfiguration_ThenTheConfigureDelegateRuns()
    {
        using IHost host = Build(
            new()
            {
                ["Multiprocessing:Pools:render:WorkerCount"] = "2",
                ["Multiprocessing:Pools:render:MaxTasksPerWorker"] = "5",
                ["Multiprocessing:Pools:render:TaskTimeout"] = "00:00:30",
                ["Multiprocessing:Pools:render:MaxQueuedTasks"] = "7",
                ["Multiprocessing:Pools:render:WhenQueueFull"] = "Throw",
                ["Multiprocessing:Pools:render:Name"] = "renderer",
                ["Multiprocessing:Pools:render:MaxMemoryPerWorker"] = "1073741824",
                ["Multiprocessing:Pools:render:CancelGracePeriod"] = "00:00:03",
                ["Multiprocessing:Pools:io:WorkerCount"] = "4",
            },
            s =>
            {
                s.AddProcessPool("render", o => o.MaxTasksPerWorker += 1);
                s.AddThreadWorkerPool("io");
            });

        HostedProcessPoolOptions o = host.Services.GetRequiredService<IOptionsMonitor<HostedProcessPoolOptions>>().Get("render");
        Assert.Equal(2, o.WorkerCount);
        Assert.Equal(6, o.MaxTasksPerWorker); // 5 from configuration, then + 1 by the delegate
        Assert.Equal(TimeSpan.FromSeconds(30), o.TaskTimeout);
        Assert.Equal(7, o.MaxQueuedTasks);
        Assert.Equal(QueueFullBehavior.Throw, o.WhenQueueFull);
        Assert.Equal(1L << 30, o.MaxMemoryPerWorker);
        Assert.Equal(TimeSpan.FromSeconds(3), o.CancelGracePeriod);

        await host.StartAsync();
        ProcessPool render = host.Services.GetRequiredKeyedService<ProcessPool>("render");
        Assert.Equal("renderer", render.Name);
        Assert.Equal(2, render.WorkerCount);
        Assert.Equal(TimeSpan.FromSeconds(3), render.CancelGracePeriod);
        Assert.Equal(4, host.Services.GetRequiredKeyedService<WorkerPool>("io").WorkerCount);
        await host.StopAsync();
    }

    [Fact]
    public async Task BadSettings_FailTheHostsStart_NamingThePoolAndItsSection()
    {
        using IHost host = Build(new() { ["Multiprocessing:Pools:render:WorkerCount"] = "0" }, s => s.AddProcessPool("render"));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("'render'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Multiprocessing:Pools:render", e.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentOutOfRangeException>(e.InnerException);
    }

    [Fact]
    public async Task AFailingInitializer_FailsTheHostsStart_AndLeavesNoWorker()
    {
        using IHost host = Build([], s => s.AddProcessPool("render", o =>
        {
            o.WorkerCount = 2;
            o.Initializer = HostedPoolTargets.FailingInitializer;
        }));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("'render' could not start", e.Message, StringComparison.Ordinal);
        Assert.Contains("no GPU here", e.Message, StringComparison.Ordinal);
        Assert.IsType<BrokenPoolException>(e.InnerException);

        ProcessPool render = host.Services.GetRequiredKeyedService<ProcessPool>("render");
        Assert.True(render.JoinAsync().EndsWithin(Within.Deadline), "the broken pool's workers did not stop");
        Assert.Empty(render.WorkerPids);
    }

    [Fact]
    public void ASecondPoolOfTheSameName_IsRefused()
    {
        var services = new ServiceCollection();
        services.AddProcessPool("render");
        var e = Assert.Throws<ArgumentException>(() => services.AddThreadWorkerPool("render"));
        Assert.Contains("'render' is already registered", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => services.AddProcessPool(" "));
    }

    [Fact]
    public async Task Stop_LetsARunningTaskFinish_WithinTheShutdownTimeout()
    {
        using var dir = new TempDirectory();
        string release = Path.Combine(dir.Path, "release");
        using IHost host = Build([], s => s.AddProcessPool("render", o => o.WorkerCount = 1), shutdownTimeout: Within.Deadline);
        await host.StartAsync();
        ProcessPool render = host.Services.GetRequiredKeyedService<ProcessPool>("render");
        int worker = Assert.Single(render.WorkerPids);
        Task<int> held = render.Submit(HostedPoolTargets.WaitForFile, release);

        Task stop = host.StopAsync();
        Assert.False(stop.EndsWithin(PoolTestSupport.Short), "StopAsync returned while a task was still running");
        PoolTestSupport.Refuses<InvalidOperationException>(() => render.Submit(HostedPoolTargets.Pid)); // closed to new work
        await File.WriteAllTextAsync(release, "go");

        Assert.Equal(42, held.ResultOrFail());
        Assert.True(stop.EndsWithin(Within.Deadline), "StopAsync did not return once the task ended");
        await stop;
        Assert.DoesNotContain(worker, ProcessTree.ChildPids());
    }

    [Fact]
    public async Task Stop_TerminatesATaskThatOutlivesTheShutdownTimeout_AndKillsItsWorker()
    {
        using var dir = new TempDirectory();
        using IHost host = Build([], s => s.AddProcessPool("render", o => o.WorkerCount = 2), shutdownTimeout: TimeSpan.FromSeconds(1));
        await host.StartAsync();
        ProcessPool render = host.Services.GetRequiredKeyedService<ProcessPool>("render");
        IReadOnlyList<int> workers = render.WorkerPids;
        Task<int> never = render.Submit(HostedPoolTargets.WaitForFile, Path.Combine(dir.Path, "never"));

        Task stop = host.StopAsync();
        Assert.True(stop.EndsWithin(Within.Deadline), "StopAsync did not return after the shutdown timeout");
        await stop;

        Assert.True(never.EndsWithin(TimeSpan.Zero), "StopAsync returned before the task it terminated had ended");
        await Assert.ThrowsAsync<PoolTerminatedException>(() => never);
        HashSet<int> children = ProcessTree.ChildPids();
        Assert.DoesNotContain(children, workers.Contains);
    }

    [Fact]
    public async Task Stop_AbandonsAThreadPoolDelegateThatOutlivesTheShutdownTimeout_WithoutWaitingForIt()
    {
        using var release = new ManualResetEventSlim();
        IHost host = Build([], s => s.AddThreadWorkerPool("io", o => o.WorkerCount = 1), shutdownTimeout: TimeSpan.FromSeconds(1));
        try
        {
            await host.StartAsync();
            ThreadWorkerPool io = host.Services.GetRequiredKeyedService<ThreadWorkerPool>("io");
            Task<bool> held = io.Submit(() => release.Wait(Within.Deadline * 4));

            Task stop = host.StopAsync();
            Assert.True(stop.EndsWithin(Within.Deadline), "StopAsync waited for a thread that cannot be stopped");
            await stop;
            await Assert.ThrowsAsync<PoolTerminatedException>(() => held);
        }
        finally
        {
            release.Set(); // the delegate returns, its thread ends, and the pool's Dispose (the container's) returns
            host.Dispose();
        }
    }

    [Fact]
    public async Task HealthCheck_IsHealthyWhileOpen_UnhealthyOnceStopped_WithTheCounters()
    {
        using IHost host = Build([], s =>
        {
            s.AddProcessPool("render", o => o.WorkerCount = 2);
            s.AddHealthChecks().AddWorkerPool("render");
        });
        await host.StartAsync();
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReportEntry open = (await health.CheckHealthAsync()).Entries["pool:render"];
        Assert.Equal(HealthStatus.Healthy, open.Status);
        Assert.Equal(2, open.Data["workersAlive"]);
        Assert.Equal(2, open.Data["workerCount"]);
        Assert.Equal(2L, open.Data["completed"]); // the warm-up: one empty task per worker

        await host.StopAsync();
        HealthReportEntry stopped = (await health.CheckHealthAsync()).Entries["pool:render"];
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Contains("accepts no more tasks", stopped.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_ReportsABrokenPool_WithItsCause_AtTheRegisteredFailureStatus()
    {
        // Not started: the pool is made when first resolved, and breaks on its first task.
        using IHost host = Build([], s =>
        {
            s.AddThreadWorkerPool("io", o => o.Initializer = HostedPoolTargets.FailingInitializer);
            s.AddHealthChecks().AddWorkerPool("io", name: "io pool", failureStatus: HealthStatus.Degraded);
        });
        ThreadWorkerPool io = host.Services.GetRequiredKeyedService<ThreadWorkerPool>("io");
        await Assert.ThrowsAsync<BrokenPoolException>(() => io.Submit(HostedPoolTargets.Pid));

        HealthReportEntry broken = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["io pool"];
        Assert.Equal(HealthStatus.Degraded, broken.Status);
        Assert.IsType<BrokenPoolException>(broken.Exception);
        Assert.Contains("no GPU here", broken.Description, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> configuration, Action<IServiceCollection> configure, TimeSpan? shutdownTimeout = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? Within.Deadline);
        configure(builder.Services);
        return builder.Build();
    }

    /// <summary>A service that takes the pool by key in its constructor.</summary>
    private sealed class Consumer([FromKeyedServices("render")] ProcessPool pool)
    {
        public ProcessPool Pool => pool;
    }
}
