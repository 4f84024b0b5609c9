using Multiprocessing.Bench.Workloads;

namespace Multiprocessing.Bench.Core;

/// <summary>W1..W11 in the order and with the ids and names of <c>python_mp_bench.py</c>; then W12 and W13, which have no CPython counterpart, and W14.</summary>
internal static class WorkloadCatalog
{
    public static IReadOnlyList<WorkloadSpec> All { get; } =
    [
        new("w1", "process_start", new W1ProcessStart()),
        new("w2", "pool_map_small", new W2PoolMapSmall()),
        new("w3", "pool_apply_latency", new W3PoolApplyLatency()),
        new("w4", "queue_small", new W4QueueSmall()),
        new("w5", "queue_large", new W5QueueLarge()),
        new("w6", "pipe_pingpong", new W6PipePingPong()),
        new("w7", "semaphore_pingpong", new W7SemaphorePingPong()),
        new("w8", "shared_counter", new W8SharedCounter()),
        new("w9", "manager_dict", new W9ManagerDict()),
        new("w10", "thread_pool_small", new W10ThreadPoolSmall()),
        new("w11", "cpu_scaling", new W11CpuScaling()),
        new("w12", "cluster_map", new W12ClusterMap(), InPython: false),
        new("w13", "real_render", new W13RealRender(), InPython: false),
        new("w14", "worker_memory", new W14WorkerMemory()),
    ];

    /// <summary>The workloads that <paramref name="only"/> (comma-separated names or ids, any case) names, in catalog order; all if it is empty.</summary>
    /// <exception cref="UsageException">A name is not a workload.</exception>
    public static IReadOnlyList<WorkloadSpec> Select(string only)
    {
        ArgumentNullException.ThrowIfNull(only);
        HashSet<string> wanted = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
        string[] unknown = [.. wanted.Where(w => !All.Any(s => s.Id == w || s.Name == w)).Order(StringComparer.Ordinal)];
        if (unknown.Length > 0)
        {
            throw new UsageException(
                $"unknown workload(s): {string.Join(", ", unknown)}; known: {string.Join(", ", All.Select(s => $"{s.Id} {s.Name}"))}");
        }

        return wanted.Count == 0 ? All : [.. All.Where(s => wanted.Contains(s.Id) || wanted.Contains(s.Name))];
    }
}
