namespace Multiprocessing.Bench.Core;

/// <summary>Runs workloads in this process, one after the other.</summary>
internal static class BenchRunner
{
    /// <summary>One line on stderr per selected workload that has no implementation yet.</summary>
    public static void ReportNotImplemented(IEnumerable<WorkloadSpec> selected)
    {
        foreach (WorkloadSpec spec in selected.Where(s => !s.IsImplemented))
        {
            Console.Error.WriteLine($"note: {spec.Id} {spec.Name} is not implemented yet; skipped");
        }
    }

    /// <summary>Runs each implemented workload of <paramref name="selected"/> once.</summary>
    /// <returns>The records they emitted, in order.</returns>
    /// <exception cref="BenchException">A workload failed.</exception>
    public static IReadOnlyList<BenchRecord> RunOnce(IEnumerable<WorkloadSpec> selected, Sizes sizes)
    {
        var records = new List<BenchRecord>();
        foreach (WorkloadSpec spec in selected)
        {
            if (spec.Implementation is not { } workload)
            {
                continue;
            }

            Console.Error.WriteLine($"{spec.Id} {spec.Name}{(sizes.Quick ? " (quick)" : string.Empty)}");
            var context = new WorkloadContext(spec, sizes);
            try
            {
                workload.Run(context);
            }
            catch (Exception e) when (e is not BenchException)
            {
                throw new BenchException($"{spec} failed: {e}", e);
            }

            records.AddRange(context.Records);
        }

        return records;
    }
}
