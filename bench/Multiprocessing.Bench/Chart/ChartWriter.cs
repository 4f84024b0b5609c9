using System.Text;

namespace Multiprocessing.Bench.Chart;

/// <summary>
/// <c>--chart FILE</c>: one SVG with the comparison on top (panel a) and the size sweeps below it (panel b), so that
/// one picture holds one run; and beside it <c>FILE</c> with <c>.jsonl</c> for <c>.svg</c>, the JSON lines it was
/// drawn from.
/// </summary>
internal static class ChartWriter
{
    public const double Width = 920;

    private const string Css = """
        .heading { font-size: 14px; font-weight: bold; }
        .subheading { font-size: 11px; font-weight: bold; }
        .caption { font-size: 10px; }
        .caption, .note, .axis-label { fill: #555; }
        .label, .value, .tick, .legend { fill: #222; }
        .grid { stroke: #ddd; stroke-width: 1; }
        .minor { stroke: #eee; }
        .one { stroke: #000; stroke-width: 1.5; }
        .one-label { font-weight: bold; }
        .separator { stroke: #eee; stroke-width: 1; }
        .frame { fill: none; stroke: #999; }
        .better { fill: #2e7d32; }
        .worse { fill: #e65100; }
        .series { fill: none; stroke-width: 1.8; }
        .s0 { stroke: #1565c0; fill: #1565c0; }
        .s1 { stroke: #c62828; fill: #c62828; }
        .s2 { stroke: #6a1b9a; fill: #6a1b9a; }
        .s3 { stroke: #00838f; fill: #00838f; }
        polyline.series { fill: none; }
        .background { fill: #fff; }
        """;

    /// <summary>Writes the SVG to <paramref name="svgPath"/> and the data to its <c>.jsonl</c> sibling.</summary>
    /// <returns>The path of the JSON lines file.</returns>
    public static string Write(ChartData data, string svgPath)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(svgPath);
        string full = Path.GetFullPath(svgPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using (var output = new StreamWriter(full, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            Render(data, output);
        }

        string json = JsonPathFor(full);
        File.WriteAllLines(json, data.ToJsonLines());
        return json;
    }

    /// <summary>The JSON lines file beside a chart: <c>x.svg</c> → <c>x.jsonl</c>.</summary>
    public static string JsonPathFor(string svgPath) => Path.ChangeExtension(svgPath, ".jsonl");

    /// <summary>Renders <paramref name="data"/> as SVG.</summary>
    public static void Render(ChartData data, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(data);
        List<Core.ComparisonRecord> bars = [.. data.Bars];
        double ratioHeight = RatioPanel.Height(bars);
        double height = ratioHeight + SizePanel.TotalHeight(data.SweepPoints) + 10;
        using var svg = new SvgWriter(output, Width, height, "Multiprocessing.NET benchmark: " + data.Caption);
        svg.Style(Css);
        svg.Rect(0, 0, Width, height, "background");
        RatioPanel.Draw(svg, bars, Width, 0, data.Caption);
        SizePanel.Draw(svg, data.SweepPoints, ratioHeight);
    }
}
