using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Compare;

/// <summary>Pairs .NET metrics with CPython metrics (<see cref="IWorkload.PythonMetricsFor"/>) and summarizes both over the rounds.</summary>
internal static class ComparisonBuilder
{
    public static IReadOnlyList<ComparisonRow> Build(
        IEnumerable<WorkloadSpec> workloads, IReadOnlyList<BenchRecord> dotnet, IReadOnlyList<BenchRecord> python)
    {
        var rows = new List<ComparisonRow>();
        foreach (WorkloadSpec spec in workloads)
        {
            if (spec.Implementation is not { } workload)
            {
                continue;
            }

            foreach (IGrouping<string, BenchRecord> metric in dotnet.Where(r => r.Workload == spec.Name).GroupBy(r => r.Metric))
            {
                Summary ours = Summary.Of(metric.Select(r => r.Value));
                string unit = metric.First().Unit;
                bool paired = false;
                foreach (string pythonMetric in workload.PythonMetricsFor(metric.Key))
                {
                    BenchRecord[] theirs = [.. python.Where(r => r.Workload == spec.Name && r.Metric == pythonMetric)];
                    if (theirs.Length > 0)
                    {
                        rows.Add(new ComparisonRow(spec.Name, metric.Key, unit, ours, pythonMetric, theirs[0].Unit, Summary.Of(theirs.Select(r => r.Value))));
                        paired = true;
                    }
                }

                if (!paired)
                {
                    rows.Add(new ComparisonRow(spec.Name, metric.Key, unit, ours, null, null, null));
                }
            }
        }

        return rows;
    }
}
