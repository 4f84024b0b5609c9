using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Multiprocessing.Diagnostics;
using Multiprocessing.Tests.Diagnostics;

namespace Multiprocessing.Tests.Hosting;

#pragma warning disable CA1848 // The worker logs as users do, through the extension methods.

/// <summary>A pool registered in a generic host logs through the host's <see cref="ILoggerFactory"/>, and so do its workers.</summary>
public sealed class HostedPoolLoggingTests
{
    [Fact]
    public async Task AHostedProcessPool_LogsThroughTheHostsFactory_ItsEventsAndItsWorkersRecords()
    {
        using var provider = new CollectingLoggerProvider();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        builder.Services.AddProcessPool("render", o => o.WorkerCount = 1);
        using IHost host = builder.Build();
        await host.StartAsync();
        ProcessPool pool = host.Services.GetRequiredKeyedService<ProcessPool>("render");

        int pid = await pool.Submit(static () =>
        {
            CurrentProcess.LoggerFactory.CreateLogger("Tests.HostedWorker").LogInformation("rendering");
            return Environment.ProcessId;
        });
        CollectedRecord fromWorker = provider.WaitFor(r => r.Category == "Tests.HostedWorker", "from the hosted worker");
        Assert.Equal(pid, fromWorker.ScopeValue(ProcessLogScope.PidKey));

        await Assert.ThrowsAsync<RemoteException>(() => pool.Submit(static () => Fail()));
        CollectedRecord failed = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.TaskFailed, "task failed");
        Assert.Equal("Multiprocessing.ProcessPool", failed.Category);
        Assert.Equal("render", failed.Property("PoolName"));
        await host.StopAsync();
    }

    private static int Fail() => throw new InvalidOperationException("no");
}
