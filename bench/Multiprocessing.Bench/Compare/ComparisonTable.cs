using System.Globalization;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Compare;

/// <summary>The comparison as a table on stderr and as JSON lines on stdout.</summary>
internal static class ComparisonTable
{
    public static void Print(IReadOnlyList<ComparisonRow> rows, int rounds, bool quick)
    {
        ArgumentNullException.ThrowIfNull(rows);
        TextWriter err = Console.Error;
        err.WriteLine();
        err.WriteLine($".NET vs CPython: medians of {rounds} alternate rounds; {Machine.Describe(quick)}");
        err.WriteLine($"{"workload",-18} {"metric",-16} {".NET median",12} {"(min..max)",-25} {"CPython",-16} {"median",12} {"(min..max)",-25} {"unit",-11} {".NET better by",14}");
        err.WriteLine(new string('-', 157));
        foreach (ComparisonRow row in rows)
        {
            string python = row.Python is { } p ? Format.Value(p.Median) : "-";
            string ratio = row.Ratio is { } x ? x.ToString("G3", CultureInfo.InvariantCulture) + "x" : "-";
            err.WriteLine(
                $"{row.Workload,-18} {row.Metric,-16} {Format.Value(row.Dotnet.Median),12} {Range(row.Dotnet),-25} " +
                $"{row.PythonMetric ?? "-",-16} {python,12} {Range(row.Python),-25} {row.Unit,-11} {ratio,14}");
        }

        err.WriteLine(".NET better by: CPython/.NET for times (ms, us, s per thing) and memory (MiB), .NET/CPython for rates (/s) and speed-ups (x); below 1 means CPython is faster or smaller.");
    }

    /// <summary>Writes one <see cref="ComparisonRecord"/> per row that has a CPython counterpart.</summary>
    /// <returns>The records written.</returns>
    public static IReadOnlyList<ComparisonRecord> WriteJson(IEnumerable<ComparisonRow> rows)
    {
        var records = new List<ComparisonRecord>();
        foreach (ComparisonRow row in rows)
        {
            if (row is { Python: { } python, PythonMetric: { } pythonMetric })
            {
                var record = new ComparisonRecord(
                    row.Workload, row.Metric, Compare: true, Json.Round6(row.Dotnet.Median), Json.Round6(python.Median), pythonMetric,
                    row.Ratio is { } ratio ? Json.Round6(ratio) : null, row.Unit);
                RecordWriter.Write(record);
                records.Add(record);
            }
        }

        return records;
    }

    private static string Range(Summary? s) => s is null ? string.Empty : $"({Format.Value(s.Min)}..{Format.Value(s.Max)})";
}
