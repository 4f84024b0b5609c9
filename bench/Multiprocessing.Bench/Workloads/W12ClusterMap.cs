using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W12 cluster_map (no CPython counterpart; issue #15): <c>pool.Map(x =&gt; x * 3 + 1, items, chunkSize: 10,000)</c>
/// over longs on a <see cref="ClusterPool"/> of three local silo processes, started (untimed) before the clock.
/// <c>throughput</c>: items a second, the median of <see cref="Rounds"/> maps after an untimed one.
/// <c>process_pool_throughput</c>: the same maps on a <see cref="ProcessPool"/> of two workers (this machine's cores), beside it.
/// Every result is checked.
/// </summary>
internal sealed class W12ClusterMap : IWorkload
{
    private const int ChunkSize = 10_000;
    private const int Rounds = 5;
    private const int Silos = 3;

    public void Run(WorkloadContext context)
    {
        int n = context.Size(2_000_000);
        long[] items = [.. Enumerable.Range(0, n).Select(i => (long)i)];
        JsonObject Parameters() => new() { ["items"] = n, ["chunk_size"] = ChunkSize, ["silos"] = Silos, ["rounds"] = Rounds, ["stat"] = "median" };

        using (ClusterPool cluster = ClusterPool.StartLocal(Silos))
        {
            context.Emit("throughput", Throughput(cluster, items), "items/s", Parameters());
        }

        using var processes = new ProcessPool(2);
        context.Emit("process_pool_throughput", Throughput(processes, items), "items/s", Parameters());
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => [];

    /// <returns>The median items a second of <see cref="Rounds"/> maps, after an untimed one.</returns>
    /// <exception cref="BenchException">A result is wrong.</exception>
    private static double Throughput(WorkerPool pool, long[] items)
    {
        Map(pool, items);
        double[] rates = new double[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Map(pool, items);
            rates[r] = items.Length / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Array.Sort(rates);
        return rates[Rounds / 2];
    }

    private static void Map(WorkerPool pool, long[] items)
    {
        long[] results = pool.Map(static (long x) => (x * 3) + 1, items, ChunkSize);
        for (int i = 0; i < items.Length; i++)
        {
            if (results[i] != (items[i] * 3) + 1)
            {
                throw new BenchException($"cluster_map: item {i} gave {results[i]} on {pool}, not {(items[i] * 3) + 1}");
            }
        }
    }
}
