using System.Diagnostics.Metrics;
using System.Globalization;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Not in the seed: watching a pool the way .NET services are watched. A long map shows a progress bar (its
/// <c>IProgress&lt;int&gt;</c>), and a <see cref="MeterListener"/> on the meter <c>Multiprocessing</c> prints
/// what the pool published meanwhile: task durations, worker exits, worker starts, and the observed worker and
/// pending counts. OpenTelemetry (<c>AddMeter("Multiprocessing")</c>) and <c>dotnet-counters</c> read the same.
/// </summary>
internal sealed class MetricsChapter : IChapter
{
    private const string PoolName = "tour-metrics";
    private const int Items = 200;
    private const int ChunkSize = 5;

    public string Name => "metrics";

    public string Title => "指标 (metrics: a progress bar, and what a MeterListener saw of a pool)";

    public void Run()
    {
        var seen = new Dictionary<string, List<(double Value, string Tags)>>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Multiprocessing")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Keep(seen, i, v, tags));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Keep(seen, i, v, tags));
        listener.Start();

        Say.Part($"pool.Map over {Items} items in chunks of {ChunkSize}, with progress: a ProgressBar (IProgress<int>)");
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2, Name = PoolName, MaxTasksPerWorker = 10 });
        int[] squares = pool.Map(SlowSquare, Enumerable.Range(0, Items), chunkSize: ChunkSize, progress: new ProgressBar("progress", Items));
        Console.WriteLine($"sum of the squares: {squares.Sum()}");

        listener.RecordObservableInstruments(); // the observed counts, while the pool is still open
        pool.Dispose();

        Say.Part("what the MeterListener saw (meter Multiprocessing, this pool's measurements)");
        foreach ((string instrument, List<(double Value, string Tags)> measurements) in seen.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            string groups = string.Join(", ", measurements
                .GroupBy(m => m.Tags, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Say.Invariant($"{(g.Key.Length == 0 ? "all" : g.Key)}: {g.Count()} measurement(s), sum {g.Sum(m => m.Value):0.###}")));
            Console.WriteLine($"{instrument}: {groups}");
        }

        Say.Note("task.duration has one measurement per task (a chunk of a map is one task); worker.count and task.pending are observed when a listener collects, so they cost the pool nothing meanwhile. Give PoolOptions.MeterFactory (the host's IMeterFactory) to record in a host's meter; docs/telemetry.md lists every instrument.");
    }

    private static int SlowSquare(int x)
    {
        Thread.Sleep(2);
        return x * x;
    }

    private static void Keep(Dictionary<string, List<(double, string)>> seen, Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? pool = null;
        var shown = new List<string>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == "multiprocessing.pool.name")
            {
                pool = tag.Value as string;
            }
            else
            {
                shown.Add($"{tag.Key}={Convert.ToString(tag.Value, CultureInfo.InvariantCulture)}");
            }
        }

        bool ours = pool == PoolName || (pool is null && instrument.Name == "multiprocessing.process.start.duration");
        if (!ours)
        {
            return;
        }

        string key = $"{instrument.Name} ({instrument.Unit})";
        lock (seen)
        {
            if (!seen.TryGetValue(key, out List<(double, string)>? list))
            {
                seen[key] = list = [];
            }

            list.Add((value, string.Join(" ", shown)));
        }
    }
}
