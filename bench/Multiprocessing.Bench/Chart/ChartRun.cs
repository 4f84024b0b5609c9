using System.Globalization;
using System.Runtime.InteropServices;
using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Sweeps;

namespace Multiprocessing.Bench.Chart;

/// <summary>
/// What <c>--sweep</c> and <c>--chart</c> add to a run: created when the run starts (it notes the time and the load
/// average), finished after it with the run's comparisons: runs the sweeps and writes the chart.
/// </summary>
internal sealed class ChartRun(BenchOptions options, string kind)
{
    private readonly DateTime started = DateTime.UtcNow;
    private readonly string? startLoad = Machine.LoadAverage();

    /// <exception cref="BenchException">A sweep failed, or the chart could not be written.</exception>
    public void Finish(IReadOnlyList<ComparisonRecord> comparisons)
    {
        IReadOnlyList<BenchRecord> points = options.Sweep ? SweepRunner.Run(options.Selected, options.Sizes) : [];
        if (options.ChartPath is not { } path)
        {
            return;
        }

        string caption = string.Create(
            CultureInfo.InvariantCulture,
            $"{started:yyyy-MM-dd HH:mm}-{DateTime.UtcNow:HH:mm} UTC, {kind}{(options.Quick ? ", QUICK" : string.Empty)}, {RuntimeInformation.FrameworkDescription}, " +
            $"{Environment.ProcessorCount} CPUs; load average {startLoad ?? "?"} at the start, {Machine.LoadAverage() ?? "?"} at the end");
        Write(new ChartData(caption, comparisons, points), path);
    }

    /// <summary><c>--chart-from</c>: draws the chart of the JSON lines in <paramref name="jsonPath"/> into <paramref name="svgPath"/>.</summary>
    /// <exception cref="BenchException">The file cannot be read or holds something that is not JSON, or the chart cannot be written.</exception>
    public static void Redraw(string jsonPath, string svgPath)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(jsonPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BenchException($"cannot read {jsonPath}: {e.Message}", e);
        }

        Write(ChartData.Parse(lines), svgPath);
    }

    private static void Write(ChartData data, string path)
    {
        try
        {
            string json = ChartWriter.Write(data, path);
            Console.Error.WriteLine($"chart: {Path.GetFullPath(path)} (data: {json})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BenchException($"cannot write the chart {path}: {e.Message}", e);
        }
    }
}
