using System.Globalization;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Chart;

/// <summary>
/// Panel (b): how cost grows with size, one small log-log plot per sweep (message size, worker count, task
/// count), a line per series; points are <c>circle.point</c> elements with their x and y in <c>data-x</c>/<c>data-y</c>.
/// </summary>
internal static class SizePanel
{
    public const double Width = 300;
    public const double Height = 250;
    private const double Heading = 44;
    private const double Left = 58;
    private const double Right = 14;
    private const double Top = 40;
    private const double Bottom = 42;
    private const int Columns = 3;
    private static readonly string[] SeriesClasses = ["s0", "s1", "s2", "s3"];

    /// <summary>The height of all sweep plots (none: 0).</summary>
    public static double TotalHeight(IReadOnlyList<BenchRecord> points)
    {
        int sweeps = points.Select(p => p.Workload).Distinct().Count();
        return sweeps == 0 ? 0 : Heading + (Math.Ceiling(sweeps / (double)Columns) * Height);
    }

    /// <summary>Draws the sweeps' plots, three a row, from <paramref name="y0"/> down.</summary>
    public static void Draw(SvgWriter svg, IReadOnlyList<BenchRecord> points, double y0)
    {
        if (points.Count == 0)
        {
            return;
        }

        svg.Text(10, y0 + 24, "How cost grows with size (.NET, this run; log-log; lower is cheaper)", "heading");
        int i = 0;
        foreach (IGrouping<string, BenchRecord> sweep in points.GroupBy(p => p.Workload))
        {
            double x = 10 + ((i % Columns) * Width);
            double y = y0 + Heading + ((i / Columns) * Height);
            DrawOne(svg, sweep.Key, [.. sweep], x, y);
            i++;
        }
    }

    private static void DrawOne(SvgWriter svg, string name, BenchRecord[] points, double x0, double y0)
    {
        string title = points[0].Params[ChartData.TitleKey]?.GetValue<string>() ?? name;
        string xName = points[0].Params[ChartData.SweepKey]!.GetValue<string>();
        string unit = points[0].Unit;
        double left = x0 + Left, right = x0 + Width - Right, top = y0 + Top, bottom = y0 + Height - Bottom;
        var xs = new LogScale(points.Select(ChartData.SweepX), left, right);
        var ys = new LogScale(points.Select(p => p.Value), bottom, top);

        svg.BeginGroup("sweep", ("sweep", name));
        svg.Text(x0 + (Width / 2), y0 + 14, title, "subheading", "middle");
        svg.Rect(left, top, right - left, bottom - top, "frame");
        foreach ((double value, bool major) in xs.Ticks())
        {
            double x = xs.Map(value);
            svg.Line(x, top, x, bottom, major ? "grid" : "grid minor");
            if (major || xs.MaxDecade - xs.MinDecade <= 1)
            {
                svg.Text(x, bottom + 13, Short(value), "tick", "middle");
            }
        }

        foreach ((double value, bool major) in ys.Ticks())
        {
            double y = ys.Map(value);
            svg.Line(left, y, right, y, major ? "grid" : "grid minor");
            if (major || ys.MaxDecade - ys.MinDecade <= 1)
            {
                svg.Text(left - 4, y + 4, Short(value), "tick", "end");
            }
        }

        svg.Text((left + right) / 2, bottom + 30, xName, "axis-label", "middle");
        svg.Text(x0 + 12, (top + bottom) / 2, unit, "axis-label", "middle", rotate: -90);

        IGrouping<string, BenchRecord>[] allSeries = [.. points.GroupBy(p => p.Metric)];
        int s = 0;
        foreach (IGrouping<string, BenchRecord> series in allSeries)
        {
            string cls = SeriesClasses[s % SeriesClasses.Length];
            (double X, double Y)[] line = [.. series.OrderBy(ChartData.SweepX).Select(p => (xs.Map(ChartData.SweepX(p)), ys.Map(p.Value)))];
            svg.Polyline(line, "series " + cls);
            foreach (BenchRecord p in series)
            {
                double px = ChartData.SweepX(p);
                svg.Circle(
                    xs.Map(px), ys.Map(p.Value), 3, "point " + cls,
                    $"{p.Metric}: {xName} {Format.Value(px)}: {Format.Value(p.Value)} {p.Unit}",
                    ("series", p.Metric), ("x", SvgWriter.Exact(px)), ("y", SvgWriter.Exact(p.Value)));
            }

            s++;
        }

        // The legend in one row between the title and the plot.
        double lx = left;
        for (s = 0; s < allSeries.Length; s++)
        {
            string cls = SeriesClasses[s % SeriesClasses.Length];
            string legend = Legend(allSeries[s].Key);
            svg.Rect(lx, y0 + 25, 10, 3, "swatch " + cls);
            svg.Text(lx + 14, y0 + 30, legend, "legend");
            lx += 30 + (6 * legend.Length);
        }

        svg.EndGroup();

        static string Legend(string metric) => metric.Replace('_', ' ');
    }

    /// <summary>Tick labels: 1k, 64k, 1M, 0.5.</summary>
    private static string Short(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => v.ToString("G3", CultureInfo.InvariantCulture),
    };
}
