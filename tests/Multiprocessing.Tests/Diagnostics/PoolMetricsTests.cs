using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>The pool instruments of the meter <c>Multiprocessing</c>, seen by a <see cref="MeterListener"/> while real pools run.</summary>
public class PoolMetricsTests
{
    private const string Duration = "multiprocessing.pool.task.duration";
    private const string Exits = "multiprocessing.pool.worker.exits";
    private const string Workers = "multiprocessing.pool.worker.count";
    private const string Pending = "multiprocessing.pool.task.pending";
    private const string PoolName = "multiprocessing.pool.name";
    private const string Outcome = "multiprocessing.task.outcome";

    [Fact]
    public void ThreadPoolMap_OfNChunks_RecordsNDurations_InSeconds_Completed()
    {
        using var metrics = new MetricsRecorder();
        string name = UniqueName();
        using (var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 3, Name = name }))
        {
            Assert.Equal(Enumerable.Range(0, 25).Select(x => x * x), pool.Map(static (int x) => x * x, Enumerable.Range(0, 25), chunkSize: 1));
        }

        List<MetricsRecorder.Recorded> durations = metrics.Of(Duration, PoolName, name);
        Assert.Equal(25, durations.Count);
        Assert.All(durations, d =>
        {
            Assert.Equal("s", d.Instrument.Unit);
            Assert.IsType<Histogram<double>>(d.Instrument);
            Assert.Equal("completed", d[Outcome]);
            Assert.Null(d["error.type"]);
            Assert.InRange(d.Value, 0, 30);
        });
    }

    [Fact]
    public async Task ProcessPool_RecordsEachTask_AFailingOne_AsFailed_WithTheRemoteErrorType()
    {
        using var metrics = new MetricsRecorder();
        string name = UniqueName();
        await using (var pool = new ProcessPool(new PoolOptions { WorkerCount = 2, Name = name }))
        {
            Assert.Equal(Enumerable.Range(0, 10), await pool.MapAsync(static (int x) => x, Enumerable.Range(0, 10), chunkSize: 1));
            await Assert.ThrowsAsync<RemoteException>(() => pool.Submit(static int () => throw new InvalidOperationException("no")));
        }

        List<MetricsRecorder.Recorded> durations = metrics.Of(Duration, PoolName, name);
        Assert.Equal(11, durations.Count);
        Assert.Equal(10, durations.Count(d => Equals(d[Outcome], "completed") && d["error.type"] is null));
        MetricsRecorder.Recorded failed = Assert.Single(durations, d => Equals(d[Outcome], "failed"));
        Assert.Equal("System.InvalidOperationException", failed["error.type"]);
    }

    [Fact]
    public async Task AWorkerKilledBySignal_CountsAnExit_WithTheSignal_AndItsTaskFails()
    {
        using var metrics = new MetricsRecorder();
        string name = UniqueName();
        await using (var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, Name = name }))
        {
            await Assert.ThrowsAsync<ProcessDiedException>(() => pool.Submit(static int () =>
            {
                Process.GetCurrentProcess().Kill(); // SIGKILL
                return 0;
            }).WaitAsync(Within.Deadline));
            Assert.Equal(1, await pool.Submit(static () => 1)); // Replaced.
        }

        MetricsRecorder.Recorded killed = Assert.Single(metrics.Of(Exits, PoolName, name), e => Equals(e["multiprocessing.worker.exit.reason"], "signal"));
        Assert.Equal("{worker}", killed.Instrument.Unit);
        Assert.Equal(1, killed.Value);
        Assert.Equal(9, killed["multiprocessing.worker.exit.signal"]);
        Assert.Equal("stopped", Assert.Single(metrics.Of(Exits, PoolName, name), e => !Equals(e["multiprocessing.worker.exit.reason"], "signal"))["multiprocessing.worker.exit.reason"]);
        Assert.Single(metrics.Of(Duration, PoolName, name), d => Equals(d[Outcome], "failed") && Equals(d["error.type"], typeof(ProcessDiedException).FullName));
    }

    [Fact]
    public async Task ATaskPastItsTimeout_IsTimedOut_AndItsThreadExitsAsTimedOut()
    {
        using var metrics = new MetricsRecorder();
        string name = UniqueName();
        using var release = new ManualResetEventSlim();
        var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, Name = name, TaskTimeout = TimeSpan.FromMilliseconds(200) });
        try
        {
            await Assert.ThrowsAsync<TimeoutException>(() => pool.Submit(() => release.Wait(Within.Deadline)).WaitAsync(Within.Deadline));
        }
        finally
        {
            release.Set();
            pool.Dispose();
        }

        MetricsRecorder.Recorded timedOut = Assert.Single(metrics.Of(Duration, PoolName, name));
        Assert.Equal("timed_out", timedOut[Outcome]);
        Assert.Equal("System.TimeoutException", timedOut["error.type"]);
        Assert.InRange(timedOut.Value, 0.2, 30);
        Assert.Single(metrics.Of(Exits, PoolName, name), e => Equals(e["multiprocessing.worker.exit.reason"], "timed_out"));
    }

    [Fact]
    public async Task PendingTasks_GoUpWhileTheWorkerIsBusy_ThenBackToZero_AndWorkerCountsSumToTheWorkers()
    {
        using var metrics = new MetricsRecorder();
        string name = UniqueName();
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        await using var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 1, Name = name });
        Task first = pool.Submit(() =>
        {
            started.Set();
            release.Wait(Within.Deadline);
        });
        Assert.True(started.Wait(Within.Deadline));
        Task[] queued = [.. Enumerable.Range(0, 3).Select(i => pool.Submit(static (int x) => x, i))];

        MetricsRecorder.Recorded pending = Assert.Single(metrics.Observe(Pending, PoolName, name));
        Assert.Equal("{task}", pending.Instrument.Unit);
        Assert.Equal(3, pending.Value);
        Dictionary<object, double> states = metrics.Observe(Workers, PoolName, name).ToDictionary(m => m["multiprocessing.worker.state"]!, m => m.Value);
        Assert.Equal(new Dictionary<object, double> { ["starting"] = 0, ["idle"] = 0, ["busy"] = 1 }, states);

        release.Set();
        await Task.WhenAll([first, .. queued]).WaitAsync(Within.Deadline);
        Assert.Equal(0, Assert.Single(metrics.Observe(Pending, PoolName, name)).Value);
        Assert.Equal(1, metrics.Observe(Workers, PoolName, name).Sum(m => m.Value));
    }

    [Fact]
    public async Task AProcessPool_ReportsItsWorkers_ByState_SummingToItsSize_AndLeavesTheMeterWhenStopped()
    {
        using var metrics = new MetricsRecorder();
        string name = UniqueName();
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2, Name = name });
        int[] results = await pool.MapAsync(static (int x) => x, Enumerable.Range(0, 4), chunkSize: 1);
        Assert.Equal([0, 1, 2, 3], results);

        List<MetricsRecorder.Recorded> workers = metrics.Observe(Workers, PoolName, name);
        Assert.Equal(["busy", "idle", "starting"], workers.Select(m => (string)m["multiprocessing.worker.state"]!).Order());
        Assert.Equal(2, workers.Sum(m => m.Value));
        Assert.Equal(0, workers.Single(m => Equals(m["multiprocessing.worker.state"], "busy")).Value); // Every task has ended; a worker may still be starting (the other ran all four).
        Assert.InRange(workers.Single(m => Equals(m["multiprocessing.worker.state"], "idle")).Value, 1, 2);
        Assert.Equal("{worker}", workers[0].Instrument.Unit);

        await pool.DisposeAsync();
        Assert.Empty(metrics.Observe(Workers, PoolName, name));
        Assert.Equal(2, metrics.Of(Exits, PoolName, name).Count(e => Equals(e["multiprocessing.worker.exit.reason"], "stopped")));
    }

    [Fact]
    public async Task GivenAMeterFactory_ThePoolRecordsInItsMeter_NotInTheSharedOne()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        using var own = new MetricsRecorder(factory);
        using var shared = new MetricsRecorder();
        string name = UniqueName();
        await using (var pool = new ThreadWorkerPool(new PoolOptions { WorkerCount = 2, Name = name, MeterFactory = factory }))
        {
            await pool.MapAsync(static (int x) => x, Enumerable.Range(0, 6), chunkSize: 1);
        }

        Assert.Equal(6, own.Of(Duration, PoolName, name).Count);
        Assert.All(own.Of(Duration, PoolName, name), d => Assert.Same(factory, d.Instrument.Meter.Scope));
        Assert.Empty(shared.Of(Duration, PoolName, name));
    }

    private static string UniqueName() => $"metrics-{Guid.NewGuid():N}";
}
