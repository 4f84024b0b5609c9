namespace Multiprocessing.Bench.Core;

/// <summary>
/// A .NET metric against a CPython metric, medians over the rounds; serialized as
/// <c>{"workload":...,"metric":...,"compare":true,"dotnet_median":...,"python_median":...,"python_metric":...,"ratio":...,"unit":...}</c>.
/// </summary>
/// <param name="Ratio">How many times better .NET is (above 1: .NET wins); null if the units cannot be compared.</param>
internal sealed record ComparisonRecord(
    string Workload, string Metric, bool Compare, double DotnetMedian, double PythonMedian, string PythonMetric, double? Ratio, string Unit);
