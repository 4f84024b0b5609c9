using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The pool instruments of one meter (<see cref="Meters"/>): made once per meter, and the pools that report
/// through it, which its observable instruments read when a listener collects.
/// </summary>
internal sealed class PoolInstruments
{
    private static readonly ConditionalWeakTable<Meter, PoolInstruments> ByMeter = [];

    /// <summary>The pools reporting through this meter (weakly: a pool that is dropped unclosed is not kept alive by it).</summary>
    private readonly ConditionalWeakTable<WorkerPool, object?> pools = [];

    private PoolInstruments(Meter meter)
    {
        TaskDuration = meter.CreateHistogram<double>(
            "multiprocessing.pool.task.duration",
            unit: "s",
            description: "How long pool tasks ran, from when a worker started each until it ended (a chunk of a map-style call is one task).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60] });
        WorkerExits = meter.CreateCounter<long>(
            "multiprocessing.pool.worker.exits",
            unit: "{worker}",
            description: "Pool workers that stopped serving their pool, by reason.");
        meter.CreateObservableUpDownCounter(
            "multiprocessing.pool.worker.count",
            ObserveWorkers,
            unit: "{worker}",
            description: "Workers that serve a pool now, by state (starting, idle, busy).");
        meter.CreateObservableUpDownCounter(
            "multiprocessing.pool.task.pending",
            ObservePending,
            unit: "{task}",
            description: "Tasks submitted to a pool and not yet started.");
    }

    /// <summary><c>multiprocessing.pool.task.duration</c>: one measurement per task that started.</summary>
    public Histogram<double> TaskDuration { get; }

    /// <summary><c>multiprocessing.pool.worker.exits</c>.</summary>
    public Counter<long> WorkerExits { get; }

    /// <summary>The instruments of <paramref name="meter"/>, made now if they are not yet.</summary>
    public static PoolInstruments Of(Meter meter) => ByMeter.GetValue(meter, static m => new PoolInstruments(m));

    /// <summary>Makes <paramref name="pool"/> visible to the observable instruments.</summary>
    public void Track(WorkerPool pool) => pools.AddOrUpdate(pool, null);

    /// <summary>The pool has stopped: no more workers or tasks to report.</summary>
    public void Untrack(WorkerPool pool) => pools.Remove(pool);

    private List<Measurement<long>> ObserveWorkers()
    {
        var measurements = new List<Measurement<long>>();
        foreach (KeyValuePair<WorkerPool, object?> entry in pools)
        {
            WorkerPool pool = entry.Key;
            (int starting, int idle, int busy) = pool.WorkerStates();
            var name = new KeyValuePair<string, object?>(TelemetryAttributes.PoolName, pool.Name);
            measurements.Add(new(starting, name, new(TelemetryAttributes.WorkerState, "starting")));
            measurements.Add(new(idle, name, new(TelemetryAttributes.WorkerState, "idle")));
            measurements.Add(new(busy, name, new(TelemetryAttributes.WorkerState, "busy")));
        }

        return measurements;
    }

    private List<Measurement<long>> ObservePending()
    {
        var measurements = new List<Measurement<long>>();
        foreach (KeyValuePair<WorkerPool, object?> entry in pools)
        {
            measurements.Add(new(entry.Key.Counters.Queued, new KeyValuePair<string, object?>(TelemetryAttributes.PoolName, entry.Key.Name)));
        }

        return measurements;
    }
}
