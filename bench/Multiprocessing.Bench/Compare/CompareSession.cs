using Multiprocessing.Bench.Chart;
using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Python;

namespace Multiprocessing.Bench.Compare;

/// <summary>
/// <c>--compare-python</c>: <see cref="Rounds"/> rounds of (.NET once in this process, then CPython once as a
/// subprocess), so slow drifts of the shared VM hit both; then medians side by side.
/// </summary>
internal static class CompareSession
{
    public const int Rounds = 3;

    /// <exception cref="BenchException">The CPython script is missing or failed, or a workload failed.</exception>
    public static void Run(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PythonReference python = PythonReference.Locate();
        BenchRunner.ReportNotImplemented(options.Selected);
        WorkloadSpec[] implemented = [.. options.Selected.Where(s => s.IsImplemented)];
        if (implemented.Length == 0)
        {
            throw new BenchException("none of the selected workloads is implemented yet; nothing to compare");
        }

        string[] pythonIds = PythonIds(implemented);
        var run = new ChartRun(options, $"medians of {Rounds} alternate rounds");
        var dotnet = new List<BenchRecord>();
        var cpython = new List<BenchRecord>();
        for (int round = 1; round <= Rounds; round++)
        {
            Console.Error.WriteLine($"=== round {round}/{Rounds}: .NET");
            dotnet.AddRange(BenchRunner.RunOnce(implemented, options.Sizes));
            if (pythonIds.Length > 0)
            {
                Console.Error.WriteLine($"=== round {round}/{Rounds}: CPython ({python.Script})");
                cpython.AddRange(python.Run(options.Quick, pythonIds));
            }
        }

        IReadOnlyList<ComparisonRow> rows = ComparisonBuilder.Build(implemented, dotnet, cpython);
        ComparisonTable.Print(rows, Rounds, options.Quick);
        IReadOnlyList<ComparisonRecord> comparisons = ComparisonTable.WriteJson(rows);
        run.Finish(comparisons);
    }

    /// <summary>The ids to ask the CPython script for: those of <paramref name="workloads"/> that it has (not W12, W13).</summary>
    public static string[] PythonIds(IEnumerable<WorkloadSpec> workloads) => [.. workloads.Where(s => s.InPython).Select(s => s.Id)];
}
