using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W10 thread_pool_small, as CPython's, on <see cref="ThreadWorkerPool"/> with 2 threads (each pool created
/// outside the timed region; its threads start on demand inside it, as <c>ThreadPoolExecutor</c>'s do).
/// <c>executor_submit_wait</c>: 100,000 × <c>pool.Submit(Square, i)</c> into an array of tasks, then wait for
/// <c>Task.WhenAll</c> (Python's <c>futs = [ex.submit(square, i) for i in range(n)]; wait(futs)</c>), on a new
/// pool after <see cref="WarmupRounds"/> untimed rounds of the same on other pools (the JIT compiles the
/// pool's generic code for <c>long</c>, tiered compilation settles, and the GC heap's pages are touched: on
/// this VM a fresh page costs ~10 µs). <c>executor_submit_wait_first</c>: the first of those rounds, timed the
/// same way: what a process sees the first time (no CPython counterpart). <c>threadpool_map</c>: after one
/// untimed Map on another pool, a new pool, <c>pool.Map(Square, range(200,000))</c> with the default chunk size
/// (ceil(n / (4 · 2)) = 25,000, as Python's). Each checks the last result.
/// </summary>
internal sealed class W10ThreadPoolSmall : IWorkload
{
    private const int Threads = 2;

    /// <summary>Untimed rounds before the timed <c>executor_submit_wait</c> round.</summary>
    private const int WarmupRounds = 3;

    public void Run(WorkloadContext context)
    {
        int n1 = context.Size(100_000);
        int n2 = context.Size(200_000);

        double first = SubmitAndWait(n1);
        for (int i = 1; i < WarmupRounds; i++)
        {
            SubmitAndWait(n1);
        }

        context.Emit(
            "executor_submit_wait",
            n1 / SubmitAndWait(n1),
            "tasks/s",
            new JsonObject { ["threads"] = Threads, ["n"] = n1, ["warmup_rounds"] = WarmupRounds });
        context.Emit("executor_submit_wait_first", n1 / first, "tasks/s", new JsonObject { ["threads"] = Threads, ["n"] = n1 });

        MapDefaultChunks(n2);
        int effective = (int)Math.Ceiling(n2 / (4.0 * Threads));
        context.Emit(
            "threadpool_map",
            n2 / MapDefaultChunks(n2),
            "tasks/s",
            new JsonObject { ["threads"] = Threads, ["n"] = n2, ["chunksize"] = null, ["effective_chunksize"] = effective });
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric == "executor_submit_wait_first" ? [] : [metric];

    /// <summary>Python's <c>square(x) = x*x</c>, on longs (99,999² does not fit an int).</summary>
    private static long Square(long x) => x * x;

    /// <returns>Seconds from the first Submit to the end of the wait.</returns>
    /// <exception cref="BenchException">The last result is wrong.</exception>
    private static double SubmitAndWait(int n)
    {
        using var pool = new ThreadWorkerPool(Threads);
        var tasks = new Task<long>[n];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            tasks[i] = pool.Submit(Square, (long)i);
        }

        Task.WhenAll(tasks).GetAwaiter().GetResult();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(tasks[^1].Result, n);
        return seconds;
    }

    /// <returns>Seconds for the whole Map call.</returns>
    /// <exception cref="BenchException">The count or the last result is wrong.</exception>
    private static double MapDefaultChunks(int n)
    {
        using var pool = new ThreadWorkerPool(Threads);
        long start = Stopwatch.GetTimestamp();
        long[] results = pool.Map(Square, Enumerable.Range(0, n).Select(i => (long)i));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (results.Length != n)
        {
            throw new BenchException($"threadpool_map returned {results.Length} results, expected {n}");
        }

        Check(results[^1], n);
        return seconds;
    }

    private static void Check(long last, int n)
    {
        long expected = (long)(n - 1) * (n - 1);
        if (last != expected)
        {
            throw new BenchException($"thread_pool_small: the last result is {last}, expected {expected}");
        }
    }
}
