using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>The child-start and queue instruments, and the host's meter factory reaching the pools it registers.</summary>
public class ProcessAndQueueMetricsTests
{
    [Fact]
    public void ChildProcessStart_IsMeasured_InTheMeterOfTheGivenFactory()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        using var metrics = new MetricsRecorder(factory);
        ChildProcess<int> child = ChildProcess.Start(StaticTargets.Square, 7, new ChildProcessOptions { MeterFactory = factory });
        Assert.Equal(49, child.ResultOrFail());
        child.Dispose();

        MetricsRecorder.Recorded start = Assert.Single(metrics.All("multiprocessing.process.start.duration")); // The factory is this test's own.
        Assert.Equal("s", start.Instrument.Unit);
        Assert.InRange(start.Value, 0, 30);
    }

    [Fact]
    public void AQueue_ReportsItsItems_AndTheBytesInItsOverflow_ByName()
    {
        using var metrics = new MetricsRecorder();
        string name = $"metrics-q-{Guid.NewGuid():N}"[..24];
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(new SharedQueueOptions { Name = name, Capacity = 4096, Overflow = true });
        const int Items = 12;
        for (int i = 0; i < Items; i++)
        {
            queue.Put(new byte[1000]); // No consumer: past the ring's 4 KiB, items go to overflow files.
        }

        MetricsRecorder.Recorded count = Assert.Single(metrics.Observe("multiprocessing.queue.item.count", "multiprocessing.queue.name", name));
        Assert.Equal(Items, count.Value);
        Assert.Equal("{item}", count.Instrument.Unit);
        MetricsRecorder.Recorded overflow = Assert.Single(metrics.Observe("multiprocessing.queue.overflow.size", "multiprocessing.queue.name", name));
        Assert.Equal("By", overflow.Instrument.Unit);
        Assert.True(queue.OverflowedCount > 0, "nothing overflowed");
        Assert.InRange(overflow.Value, queue.OverflowedCount * 1000, queue.OverflowedCount * 1100); // Each file: the item and a few bytes of header.

        for (int i = 0; i < Items; i++)
        {
            queue.Get(Within.Deadline);
        }

        Assert.Equal(0, Assert.Single(metrics.Observe("multiprocessing.queue.item.count", "multiprocessing.queue.name", name)).Value);
        Assert.Equal(0, Assert.Single(metrics.Observe("multiprocessing.queue.overflow.size", "multiprocessing.queue.name", name)).Value);
        queue.Close();
        Assert.Empty(metrics.Observe("multiprocessing.queue.item.count", "multiprocessing.queue.name", name));
    }

    [Fact]
    public async Task HostedPools_RecordThroughTheHostsMeterFactory()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddMetrics();
        string name = $"hosted-{Guid.NewGuid():N}";
        builder.Services.AddThreadWorkerPool(name, o => o.WorkerCount = 2);
        using IHost host = builder.Build();
        using var metrics = new MetricsRecorder(host.Services.GetRequiredService<IMeterFactory>());
        await host.StartAsync();
        ThreadWorkerPool pool = host.Services.GetRequiredKeyedService<ThreadWorkerPool>(name);
        await pool.MapAsync(static (int x) => x, Enumerable.Range(0, 5), chunkSize: 1);
        await host.StopAsync();

        // The hosted service warms the pool up with one empty task per worker (2), then the map's 5.
        List<MetricsRecorder.Recorded> durations = metrics.Of("multiprocessing.pool.task.duration", "multiprocessing.pool.name", name);
        Assert.Equal(2 + 5, durations.Count);
        Assert.All(durations, d => Assert.Equal("completed", d["multiprocessing.task.outcome"]));
    }
}
