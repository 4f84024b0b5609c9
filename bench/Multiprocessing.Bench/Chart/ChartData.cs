using System.Text.Json;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Chart;

/// <summary>
/// What a chart draws: the comparison records of a <c>--compare-python</c> run (one bar each that has a ratio) and
/// the points of the size sweeps (records whose params name their x parameter under <c>"sweep"</c>), with a
/// caption saying where the numbers come from. Read from and written to JSON lines in the bench's schema.
/// </summary>
internal sealed record ChartData(string Caption, IReadOnlyList<ComparisonRecord> Comparisons, IReadOnlyList<BenchRecord> SweepPoints)
{
    /// <summary>The params key naming a sweep point's x parameter (<c>"sweep":"bytes","bytes":4096</c>).</summary>
    public const string SweepKey = "sweep";

    /// <summary>The params key of a sweep's panel title.</summary>
    public const string TitleKey = "title";

    private const string CaptionKey = "chart_caption";

    /// <summary>The comparisons that have a ratio: one bar each.</summary>
    public IEnumerable<ComparisonRecord> Bars => Comparisons.Where(c => c.Ratio is > 0);

    /// <summary>Whether <paramref name="record"/> is a point of a size sweep.</summary>
    public static bool IsSweepPoint(BenchRecord record) =>
        record.Params.TryGetPropertyValue(SweepKey, out JsonNode? node) && node is JsonValue;

    /// <summary>The x value of a sweep point: its params' value under the name its <c>"sweep"</c> gives.</summary>
    public static double SweepX(BenchRecord point) =>
        point.Params[point.Params[SweepKey]!.GetValue<string>()]!.Deserialize<double>();

    /// <summary>
    /// Reads the lines a chart was written from (or a whole stdout of the bench): comparison records, sweep points
    /// and the caption line; other records are skipped.
    /// </summary>
    /// <exception cref="BenchException">A line is not JSON.</exception>
    public static ChartData Parse(IEnumerable<string> jsonLines)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        string caption = string.Empty;
        var comparisons = new List<ComparisonRecord>();
        var points = new List<BenchRecord>();
        foreach (string line in jsonLines.Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            JsonObject obj;
            try
            {
                obj = JsonNode.Parse(line)?.AsObject() ?? throw new BenchException($"not a JSON object: {line}");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new BenchException($"not a JSON object: {line} ({e.Message})", e);
            }

            if (obj.TryGetPropertyValue(CaptionKey, out JsonNode? c) && c is not null)
            {
                caption = c.GetValue<string>();
            }
            else if (obj.TryGetPropertyValue("compare", out JsonNode? compare) && compare?.GetValue<bool>() == true)
            {
                comparisons.Add(obj.Deserialize<ComparisonRecord>(Json.Options)!);
            }
            else if (obj.Deserialize<BenchRecord>(Json.Options) is { Params: not null } record && IsSweepPoint(record))
            {
                points.Add(record);
            }
        }

        return new ChartData(caption, comparisons, points);
    }

    /// <summary>The caption line, then the comparisons, then the sweep points, one JSON object a line.</summary>
    public IEnumerable<string> ToJsonLines()
    {
        yield return new JsonObject { [CaptionKey] = Caption }.ToJsonString();
        foreach (ComparisonRecord c in Comparisons)
        {
            yield return JsonSerializer.Serialize(c, Json.Options);
        }

        foreach (BenchRecord p in SweepPoints)
        {
            yield return JsonSerializer.Serialize(p, Json.Options);
        }
    }
}
