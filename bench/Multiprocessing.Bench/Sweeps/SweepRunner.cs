using System.Text.Json.Nodes;
using Multiprocessing.Bench.Chart;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Sweeps;

/// <summary>Runs the size sweeps whose workloads are selected, once each, after the workloads.</summary>
internal static class SweepRunner
{
    public static IReadOnlyList<ISizeSweep> All { get; } =
    [
        new QueueMessageSizeSweep(),
        new PoolWorkerCountSweep(),
        new ThreadPoolTaskCountSweep(),
    ];

    /// <summary>
    /// The sweeps of the selected workloads; each point is written to stdout as a record whose params name its x
    /// parameter (<c>"sweep":"bytes","bytes":4096</c>) and its panel's title.
    /// </summary>
    /// <returns>The points.</returns>
    /// <exception cref="BenchException">A sweep failed.</exception>
    public static IReadOnlyList<BenchRecord> Run(IEnumerable<WorkloadSpec> selected, Sizes sizes)
    {
        HashSet<string> ids = [.. selected.Select(s => s.Id)];
        var records = new List<BenchRecord>();
        foreach (ISizeSweep sweep in All.Where(s => s.WorkloadIds.Any(ids.Contains)))
        {
            Console.Error.WriteLine($"sweep {sweep.Name}{(sizes.Quick ? " (quick)" : string.Empty)}");
            try
            {
                sweep.Run(sizes, (series, x, value, unit, n) =>
                {
                    var parameters = new JsonObject
                    {
                        [ChartData.SweepKey] = sweep.XName,
                        [sweep.XName] = x,
                        ["n"] = n,
                        [ChartData.TitleKey] = sweep.Title,
                    };
                    var record = new BenchRecord(sweep.Name, series, Json.Round6(value), unit, parameters);
                    records.Add(record);
                    RecordWriter.Write(record);
                    Console.Error.WriteLine($"  {sweep.Name}/{series} {sweep.XName}={x}: {Format.Value(record.Value)} {unit}");
                });
            }
            catch (Exception e) when (e is not BenchException)
            {
                throw new BenchException($"sweep {sweep.Name} failed: {e}", e);
            }
        }

        return records;
    }
}
