using System.Globalization;
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
            $"{started:yyyy-MM-dd HH:mm}-{DateTime.UtcNow:HH:mm} UTC, {kind}; {Machine.Describe(options.Quick)} at the end, {startLoad ?? "?"} at the start");
        try
        {
            string json = ChartWriter.Write(new ChartData(caption, comparisons, points), path);
            Console.Error.WriteLine($"chart: {Path.GetFullPath(path)} (data: {json})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BenchException($"cannot write the chart {path}: {e.Message}", e);
        }
    }
}
