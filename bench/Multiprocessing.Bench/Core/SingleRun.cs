using Multiprocessing.Bench.Chart;

namespace Multiprocessing.Bench.Core;

/// <summary>The default mode: every selected workload once, JSON lines on stdout, a table on stderr.</summary>
internal static class SingleRun
{
    public static void Run(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var run = new ChartRun(options, "one run, no CPython");
        BenchRunner.ReportNotImplemented(options.Selected);
        IReadOnlyList<BenchRecord> records = BenchRunner.RunOnce(options.Selected, options.Sizes);

        TextWriter err = Console.Error;
        if (records.Count == 0)
        {
            err.WriteLine("nothing measured: none of the selected workloads is implemented yet");
            run.Finish([]);
            return;
        }

        err.WriteLine();
        err.WriteLine(Machine.Describe(options.Quick));
        err.WriteLine($"{"workload",-20} {"metric",-22} {"value",14}  unit");
        err.WriteLine(new string('-', 66));
        foreach (BenchRecord r in records)
        {
            err.WriteLine($"{r.Workload,-20} {r.Metric,-22} {Format.Value(r.Value),14}  {r.Unit}");
        }

        run.Finish([]);
    }
}
