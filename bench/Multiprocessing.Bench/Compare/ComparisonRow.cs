namespace Multiprocessing.Bench.Compare;

/// <summary>One line of the comparison table: a .NET metric and, if it has one, its CPython counterpart.</summary>
internal sealed record ComparisonRow(
    string Workload, string Metric, string Unit, Summary Dotnet, string? PythonMetric, string? PythonUnit, Summary? Python)
{
    /// <summary>Times better for .NET; null without a counterpart or with different units.</summary>
    public double? Ratio =>
        Python is null || PythonUnit != Unit ? null : Units.TimesBetter(Unit, Dotnet.Median, Python.Median);
}
