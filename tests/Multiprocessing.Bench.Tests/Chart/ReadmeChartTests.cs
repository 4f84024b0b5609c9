using System.Globalization;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Chart;
using Multiprocessing.Bench.Python;

namespace Multiprocessing.Bench.Tests.Chart;

/// <summary>bench/README.md shows charts/latest.svg and, beside it, the table of the same run.</summary>
public sealed class ReadmeChartTests
{
    private const string Section = "## Latest run";

    [Fact]
    public void LatestRunTable_HasTheRatiosOfTheChartsJson()
    {
        string root = RepoRoot.Find() ?? throw new InvalidOperationException("no repository root");
        string readme = File.ReadAllText(Path.Combine(root, "bench", "README.md"));
        int start = readme.IndexOf(Section + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"bench/README.md has no '{Section}' section");
        string section = readme[start..readme.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal)];
        Assert.Contains("](charts/latest.svg)", section, StringComparison.Ordinal);

        // Table rows: workload, metric, .NET median, (min..max), CPython metric, median, (min..max), unit, ratio.
        var tableRatios = section.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length == 9 && cells[8].EndsWith('x') && cells[4] != "-")
            .Select(cells => (Workload: cells[0], Metric: cells[1], PythonMetric: cells[4], Ratio: cells[8][..^1]))
            .ToList();
        JsonObject[] compared = [.. File.ReadAllLines(ChartWriter.JsonPathFor(Path.Combine(root, "bench", "charts", "latest.svg")))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(o => o["compare"] is JsonValue c && c.GetValue<bool>() && o["ratio"] is JsonValue)];

        Assert.NotEmpty(compared);
        Assert.Equal(compared.Length, tableRatios.Count);
        foreach (JsonObject record in compared)
        {
            var row = Assert.Single(tableRatios, r =>
                r.Workload == (string)record["workload"]! && r.Metric == (string)record["metric"]! && r.PythonMetric == (string)record["python_metric"]!);
            Assert.Equal(((double)record["ratio"]!).ToString("G3", CultureInfo.InvariantCulture), row.Ratio);
        }
    }
}
