using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Multiprocessing.Diagnostics;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>A pool's per-task metrics path allocates nothing: while nobody listens, and while a listener takes each duration.</summary>
public class MetricsAllocationTests
{
    private const int Tasks = 10_000;

    [Fact]
    public void TaskStartAndEnd_AllocateNothing_WithoutAListener_AndWithOne()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>(); // Its meter is this test's alone.
        using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, MeterFactory = factory });
        PoolMetrics metrics = pool.Metrics;

        Assert.Equal(0, metrics.TaskStarting()); // Nobody listens: no timestamp...
        Assert.Equal(0, AllocatedBy(metrics)); // ...and nothing allocated.

        long seen = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => seen += tags.Length);
        listener.Start();

        Assert.NotEqual(0, metrics.TaskStarting());
        AllocatedBy(metrics); // Warm: the JIT's first calls allocate.
        seen = 0;
        Assert.Equal(0, AllocatedBy(metrics));
        Assert.Equal(2L * Tasks, seen); // Every duration reached the listener, with the pool's name and the outcome.
    }

    private static long AllocatedBy(PoolMetrics metrics)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Tasks; i++)
        {
            metrics.TaskEnded(metrics.TaskStarting(), TaskOutcome.Completed);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
