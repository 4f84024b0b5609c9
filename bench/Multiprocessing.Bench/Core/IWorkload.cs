namespace Multiprocessing.Bench.Core;

/// <summary>
/// One benchmark workload. Implement it in its own file under <c>Workloads/</c> and put an instance in
/// <see cref="WorkloadCatalog"/> in place of <c>null</c>.
/// </summary>
internal interface IWorkload
{
    /// <summary>Runs the workload once and emits one record per metric with <see cref="WorkloadContext.Emit"/>.</summary>
    /// <exception cref="BenchException">A check of the result failed.</exception>
    void Run(WorkloadContext context);

    /// <summary>The CPython metrics of the same workload that <paramref name="metric"/> is compared with; by default the metric of the same name.</summary>
    IReadOnlyList<string> PythonMetricsFor(string metric) => [metric];
}
