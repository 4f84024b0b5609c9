using System.Text.Json.Nodes;

namespace Multiprocessing.Bench.Core;

/// <summary>What a running workload gets: its sizes and a way to emit its metrics.</summary>
internal sealed class WorkloadContext(WorkloadSpec spec, Sizes sizes)
{
    private readonly List<BenchRecord> records = [];

    public IReadOnlyList<BenchRecord> Records => records;

    /// <summary>The size to use for a workload whose full size is <paramref name="full"/>.</summary>
    public int Size(int full) => sizes.Of(full);

    /// <summary>Records a metric (rounded to 6 significant digits), writes it to stdout, and reports it on stderr.</summary>
    public void Emit(string metric, double value, string unit, JsonObject parameters)
    {
        var record = new BenchRecord(spec.Name, metric, Json.Round6(value), unit, parameters);
        records.Add(record);
        RecordWriter.Write(record);
        Console.Error.WriteLine($"  {spec.Id} {spec.Name}/{metric} = {Format.Value(record.Value)} {unit}");
    }
}
