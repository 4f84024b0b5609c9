using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W2 pool_map_small, as CPython's: a <c>ProcessPool</c> of 2 (created, and its workers answering, outside the
/// timed region). Timed: <c>Map(square, 0..199_999)</c> with the default chunk size (Python's rule:
/// ceil(n / (4 · 2)) = 25 000), then <c>Map(square, 0..19_999, chunkSize: 1)</c>. Each is run twice: the first
/// run (<c>_first</c>, no CPython counterpart) includes compiling the map path in this process and the workers;
/// the second is the metric compared with CPython's, whose code needs no compiling.
/// </summary>
internal sealed class W2PoolMapSmall : IWorkload
{
    public void Run(WorkloadContext context)
    {
        int n = context.Size(200_000);
        int n1 = context.Size(20_000);
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        PoolBench.WarmUp(pool);

        int effective = (n + 7) / 8;
        for (int run = 0; run < 2; run++)
        {
            string suffix = run == 0 ? "_first" : string.Empty;
            long start = Stopwatch.GetTimestamp();
            long[] results = pool.Map(Square, Enumerable.Range(0, n));
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            PoolBench.CheckSquares(results, n);
            context.Emit("map_default_chunksize" + suffix, n / seconds, "tasks/s", new JsonObject { ["processes"] = 2, ["n"] = n, ["chunksize"] = null, ["effective_chunksize"] = effective });

            start = Stopwatch.GetTimestamp();
            results = pool.Map(Square, Enumerable.Range(0, n1), chunkSize: 1);
            seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            PoolBench.CheckSquares(results, n1);
            context.Emit("map_chunksize_1" + suffix, n1 / seconds, "tasks/s", new JsonObject { ["processes"] = 2, ["n"] = n1, ["chunksize"] = 1 });
        }
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric.EndsWith("_first", StringComparison.Ordinal) ? [] : [metric];

    private static long Square(int x) => (long)x * x;
}

/// <summary>W3 pool_apply_latency: a <c>ProcessPool</c> of 2; 3 repetitions of 2 000 sequential <c>Apply(square, i)</c>; the median µs per call.</summary>
internal sealed class W3PoolApplyLatency : IWorkload
{
    public void Run(WorkloadContext context)
    {
        int n = context.Size(2_000);
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        PoolBench.WarmUp(pool);
        var perCall = new double[3];
        for (int rep = 0; rep < perCall.Length; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                if (pool.Apply(Square, i) != (long)i * i)
                {
                    throw new BenchException($"Apply({i}) came back wrong");
                }
            }

            perCall[rep] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
        }

        Array.Sort(perCall);
        context.Emit("apply_roundtrip", perCall[1], "us/call", new JsonObject { ["processes"] = 2, ["n"] = n, ["reps"] = 3, ["stat"] = "median" });
    }

    private static long Square(int x) => (long)x * x;
}

/// <summary>What the pool workloads share.</summary>
internal static class PoolBench
{
    /// <summary>Waits until both workers have answered once (their start is not part of any timed region, as in CPython's).</summary>
    public static void WarmUp(ProcessPool pool) =>
        Task.WaitAll([.. Enumerable.Range(0, 2 * pool.WorkerCount).Select(i => pool.Submit(Echo, i))]);

    public static void CheckSquares(long[] results, int n)
    {
        if (results.Length != n)
        {
            throw new BenchException($"{results.Length} results for {n} tasks");
        }

        for (int i = 0; i < n; i++)
        {
            if (results[i] != (long)i * i)
            {
                throw new BenchException($"result {i} is {results[i]}");
            }
        }
    }

    private static int Echo(int x) => x;
}
