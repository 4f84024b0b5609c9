using System.Globalization;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Chart;

/// <summary>
/// Panel (a): one horizontal bar per compared metric, grouped by workload, from the 1× line to the ratio on a log
/// scale: to the right (green) where .NET is better, to the left (orange) where CPython is. A bar's length is
/// |log10(ratio)| decades; the axis's decade ticks carry their values in <c>data-value</c>.
/// </summary>
internal static class RatioPanel
{
    public const double LabelWidth = 330;
    public const double PlotWidth = 520;
    private const double Top = 62;
    private const double Row = 17;
    private const double BarHeight = 11;
    private const double GroupGap = 6;
    private const double AxisHeight = 34;

    /// <summary>The panel's height for <paramref name="bars"/>.</summary>
    public static double Height(IReadOnlyList<ComparisonRecord> bars) =>
        bars.Count == 0 ? Top + 30 : Top + (bars.Count * Row) + (Groups(bars) * GroupGap) + AxisHeight;

    /// <summary>Draws the panel with its top at <paramref name="y0"/>.</summary>
    public static void Draw(SvgWriter svg, IReadOnlyList<ComparisonRecord> bars, double width, double y0, string caption)
    {
        svg.Text(10, y0 + 20, ".NET against CPython: how many times better (medians; log scale; right of 1× .NET is faster)", "heading");
        svg.Text(10, y0 + 36, caption, "caption");
        if (bars.Count == 0)
        {
            svg.Text(10, y0 + Top, "no CPython comparison in this run (run with --compare-python)", "note");
            return;
        }

        double plotLeft = LabelWidth;
        double plotRight = Math.Min(width - 70, LabelWidth + PlotWidth);
        var scale = new LogScale(bars.Select(b => b.Ratio!.Value).Append(1), plotLeft, plotRight);
        double top = y0 + Top;
        double bottom = top + (bars.Count * Row) + (Groups(bars) * GroupGap);

        svg.BeginGroup("axis");
        foreach ((double value, bool major) in scale.Ticks())
        {
            double x = scale.Map(value);
            bool one = value == 1;
            svg.Line(x, top - 4, x, bottom, one ? "one" : major ? "grid" : "grid minor", ("value", SvgWriter.Exact(value)));
            if (major)
            {
                svg.Text(x, bottom + 14, Times(value), one ? "tick one-label" : "tick", "middle");
            }
        }

        svg.Text((plotLeft + plotRight) / 2, bottom + 28, "times better for .NET: CPython/.NET for times, .NET/CPython for rates and speed-ups", "axis-label", "middle");
        svg.EndGroup();

        double y = top;
        string? workload = null;
        double one1 = scale.Map(1);
        foreach (ComparisonRecord bar in bars)
        {
            if (workload is not null && bar.Workload != workload)
            {
                svg.Line(10, y + (GroupGap / 2), plotRight, y + (GroupGap / 2), "separator");
                y += GroupGap;
            }

            workload = bar.Workload;
            double ratio = bar.Ratio!.Value;
            double end = scale.Map(ratio);
            bool better = ratio >= 1;
            string against = bar.PythonMetric == bar.Metric ? string.Empty : $" vs {bar.PythonMetric}";
            svg.Text(LabelWidth - 8, y + BarHeight, $"{bar.Workload} · {bar.Metric}{against}", "label", "end");
            svg.Rect(
                Math.Min(one1, end),
                y + ((Row - BarHeight) / 2),
                Math.Abs(end - one1),
                BarHeight,
                better ? "bar better" : "bar worse",
                $"{bar.Workload} {bar.Metric}: .NET {Format.Value(bar.DotnetMedian)}, CPython {bar.PythonMetric} {Format.Value(bar.PythonMedian)} {bar.Unit}; {Times(ratio)}",
                ("workload", bar.Workload),
                ("metric", bar.Metric),
                ("python-metric", bar.PythonMetric),
                ("ratio", SvgWriter.Exact(ratio)));
            svg.Text(better ? end + 4 : end - 4, y + BarHeight, Times(ratio), "value", better ? "start" : "end");
            y += Row;
        }
    }

    /// <summary><c>37.7×</c>, <c>0.0554×</c>, <c>1,000×</c>.</summary>
    public static string Times(double ratio) =>
        (ratio >= 1000 ? ratio.ToString("N0", CultureInfo.InvariantCulture) : ratio.ToString("G3", CultureInfo.InvariantCulture)) + "×";

    private static int Groups(IReadOnlyList<ComparisonRecord> bars) =>
        bars.Select((b, i) => i > 0 && b.Workload != bars[i - 1].Workload).Count(changed => changed);
}
