using System.Text.Json.Nodes;
using Multiprocessing.Bench.Chart;
using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Python;

namespace Multiprocessing.Bench.Tests.Chart;

public sealed class ChartWriterTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mp-chart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Write_ProducesValidXmlWithOneBarPerComparedMetricOfEachWorkloadInTheJson()
    {
        string svgPath = Path.Combine(directory, "chart.svg");
        string jsonPath = ChartWriter.Write(Sample(), svgPath);

        Assert.Equal(Path.Combine(directory, "chart.jsonl"), jsonPath);
        var chart = new ParsedChart(File.ReadAllText(svgPath));
        JsonObject[] compared = [.. ComparisonsWithRatio(jsonPath)];
        Assert.Equal(6, compared.Length);
        Assert.Equal(compared.Length, chart.Bars.Count);
        foreach (IGrouping<string, JsonObject> workload in compared.GroupBy(c => (string)c["workload"]!))
        {
            Assert.Equal(
                workload.Select(c => ((string)c["metric"]!, (string)c["python_metric"]!)).Order(),
                chart.Bars.Where(b => b.Workload == workload.Key).Select(b => (b.Metric, b.PythonMetric)).Order());
        }
    }

    [Fact]
    public void Write_DrawsEachBarAsLongAsItsRatioOnTheLogScale()
    {
        string svgPath = Path.Combine(directory, "chart.svg");
        string jsonPath = ChartWriter.Write(Sample(), svgPath);

        var chart = new ParsedChart(File.ReadAllText(svgPath));
        AssertBarsFollowRatios(chart, ComparisonsWithRatio(jsonPath));
        Assert.Contains(chart.Bars, b => !b.IsBetter);
        Assert.Contains(chart.Bars, b => b.IsBetter);
    }

    [Fact]
    public void Write_PlotsEverySweepPointHigherWhenItCostsMore()
    {
        string svgPath = Path.Combine(directory, "chart.svg");
        ChartData data = Sample();
        ChartWriter.Write(data, svgPath);

        var chart = new ParsedChart(File.ReadAllText(svgPath));
        Assert.Equal(data.SweepPoints.Count, chart.Points.Count);
        foreach (IGrouping<string?, System.Xml.Linq.XElement> series in chart.Points.GroupBy(p => p.Attribute("data-series")?.Value))
        {
            double[] byCost = [.. series.OrderBy(p => ParsedChart.Number(p, "data-y")).Select(p => ParsedChart.Number(p, "cy"))];
            Assert.True(byCost.Zip(byCost.Skip(1)).All(pair => pair.First > pair.Second), $"series {series.Key}: a dearer point is not higher");
        }
    }

    [Fact]
    public void Parse_OfWrittenJson_GivesBackTheSameData()
    {
        string svgPath = Path.Combine(directory, "chart.svg");
        ChartData data = Sample();
        string jsonPath = ChartWriter.Write(data, svgPath);

        ChartData back = ChartData.Parse(File.ReadAllLines(jsonPath));

        Assert.Equal(data.Caption, back.Caption);
        Assert.Equal(data.Comparisons, back.Comparisons);
        Assert.Equal(data.SweepPoints.Select(p => (p.Workload, p.Metric, p.Value, ChartData.SweepX(p))), back.SweepPoints.Select(p => (p.Workload, p.Metric, p.Value, ChartData.SweepX(p))));
        using var again = new StringWriter();
        ChartWriter.Render(back, again);
        Assert.Equal(File.ReadAllText(svgPath), again.ToString());
    }

    [Fact]
    public void Render_WithoutComparisons_SaysSoAndDrawsNoBar()
    {
        using var output = new StringWriter();
        ChartWriter.Render(Sample() with { Comparisons = [] }, output);

        var chart = new ParsedChart(output.ToString());
        Assert.Empty(chart.Bars);
        Assert.Contains("--compare-python", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CommittedChart_MatchesTheJsonBesideIt()
    {
        string charts = Path.Combine(RepoRoot.Find() ?? throw new InvalidOperationException("no repository root"), "bench", "charts");
        string svgPath = Path.Combine(charts, "latest.svg");
        var chart = new ParsedChart(File.ReadAllText(svgPath));
        JsonObject[] compared = [.. ComparisonsWithRatio(ChartWriter.JsonPathFor(svgPath))];

        Assert.NotEmpty(compared);
        AssertBarsFollowRatios(chart, compared);
        using var again = new StringWriter();
        ChartWriter.Render(ChartData.Parse(File.ReadAllLines(ChartWriter.JsonPathFor(svgPath))), again);
        Assert.Equal(File.ReadAllText(svgPath), again.ToString());
    }

    /// <summary>Each bar, matched to its record by workload and metrics, shows that record's ratio (to 0.5 %).</summary>
    private static void AssertBarsFollowRatios(ParsedChart chart, IEnumerable<JsonObject> compared)
    {
        JsonObject[] records = [.. compared];
        Assert.Equal(records.Length, chart.Bars.Count);
        foreach (JsonObject record in records)
        {
            ParsedChart.Bar bar = Assert.Single(chart.Bars, b =>
                b.Workload == (string)record["workload"]! && b.Metric == (string)record["metric"]! && b.PythonMetric == (string)record["python_metric"]!);
            double ratio = (double)record["ratio"]!;
            double drawn = chart.RatioDrawn(bar);
            Assert.True(Math.Abs((drawn / ratio) - 1) < 0.005, $"{bar.Workload} {bar.Metric}: drawn {drawn}, ratio {ratio}");
            Assert.Equal(ratio >= 1, bar.IsBetter);
        }
    }

    /// <summary>The comparison lines of a JSON lines file that have a ratio, read as plain JSON (not with the bench's own parser).</summary>
    private static IEnumerable<JsonObject> ComparisonsWithRatio(string jsonPath) =>
        File.ReadAllLines(jsonPath)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(o => o["compare"] is JsonValue c && c.GetValue<bool>() && o["ratio"] is JsonValue);

    private static ChartData Sample() => new(
        "2026-12-07 05:00-05:10 UTC, test",
        [
            new("process_start", "cold", true, 34.39, 54.64, "spawn", 1.59, "ms/process"),
            new("process_start", "cold", true, 34.39, 1.905, "fork", 0.0554, "ms/process"),
            new("queue_small", "throughput", true, 8_625_630, 228_904, "throughput", 37.7, "msgs/s"),
            new("queue_large", "throughput_odd", true, 1, 1, "throughput_odd", null, "MB/s"),
            new("thread_pool_small", "executor_submit_wait", true, 7_398_970, 39_435, "executor_submit_wait", 188, "tasks/s"),
            new("cpu_scaling", "pool_speedup", true, 1.038, 1.857, "pool_speedup", 0.559, "x"),
            new("cpu_scaling", "threads_speedup", true, 1.051, 0.9633, "threads_speedup", 1.09, "x"),
        ],
        [
            Point("w4_w5_queue_by_message_size", "get", "bytes", 16, 3.2),
            Point("w4_w5_queue_by_message_size", "get", "bytes", 4096, 12.5),
            Point("w4_w5_queue_by_message_size", "get", "bytes", 1 << 20, 2_400),
            Point("w4_w5_queue_by_message_size", "get_into", "bytes", 16, 2.1),
            Point("w4_w5_queue_by_message_size", "get_into", "bytes", 1 << 20, 150),
            Point("w2_pool_map_by_workers", "map_chunksize_1", "workers", 1, 2.5),
            Point("w2_pool_map_by_workers", "map_chunksize_1", "workers", 8, 7.9),
        ]);

    private static BenchRecord Point(string sweep, string series, string xName, int x, double value) =>
        new(sweep, series, value, "us/task", new JsonObject { [ChartData.SweepKey] = xName, [xName] = x, ["n"] = 100, [ChartData.TitleKey] = sweep });
}
