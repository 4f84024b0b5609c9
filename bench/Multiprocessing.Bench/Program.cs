using Multiprocessing.Bench.Chart;
using Multiprocessing.Bench.Compare;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench;

/// <summary>Entry point: parses the command line and runs the selected workloads once, or alternately with CPython.</summary>
internal static class Program
{
    private const int UsageExitCode = 2;
    private const int FailureExitCode = 1;

    private static int Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(BenchOptions.Usage);
            return UsageExitCode;
        }

        if (options.ShowHelp)
        {
            Console.Error.WriteLine(BenchOptions.Usage);
            return 0;
        }

        try
        {
            if (options is { ChartFrom: { } from, ChartPath: { } chart })
            {
                ChartRun.Redraw(from, chart);
            }
            else if (options.ComparePython)
            {
                CompareSession.Run(options);
            }
            else
            {
                SingleRun.Run(options);
            }

            return 0;
        }
        catch (BenchException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return FailureExitCode;
        }
    }
}
