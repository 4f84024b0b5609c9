using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W10 thread_pool_small, as CPython's, on <see cref="ThreadWorkerPool"/> with 2 threads (each round on a new
/// pool created outside the timed region; its threads start on demand inside it, as <c>ThreadPoolExecutor</c>'s
/// do). <c>executor_submit_wait</c>: 100,000 × <c>pool.Submit(Square, i)</c> into an array of tasks, then wait
/// for <c>Task.WhenAll</c> (Python's <c>futs = [ex.submit(square, i) for i in range(n)]; wait(futs)</c>).
/// <c>threadpool_map</c>: <c>pool.Map(Square, range(200,000))</c> with the default chunk size (ceil(n / (4 · 2))
/// = 25,000, as Python's). Each is the median of <see cref="TimedRounds"/> rounds, each after a full GC, after
/// <see cref="WarmupRounds"/> untimed rounds (the JIT compiles the pool's generic code for <c>long</c> and
/// tiered compilation settles; the GC heap's pages are touched, which on this VM cost ~10 µs each). Each round
/// checks its last result. <c>executor_submit_wait_first</c> (no CPython counterpart): the first warm-up round,
/// timed the same way: what a fresh process gets.
/// </summary>
internal sealed class W10ThreadPoolSmall : IWorkload
{
    private const int Threads = 2;

    /// <summary>Untimed rounds before the timed ones.</summary>
    private const int WarmupRounds = 3;

    /// <summary>Timed rounds; the median is reported.</summary>
    private const int TimedRounds = 5;

    public void Run(WorkloadContext context)
    {
        int n1 = context.Size(100_000);
        int n2 = context.Size(200_000);

        double first = SubmitAndWait(n1);
        for (int i = 1; i < WarmupRounds; i++)
        {
            SubmitAndWait(n1);
        }

        double submitWait = Timing.MedianAfterCollect(TimedRounds, () => n1 / SubmitAndWait(n1));
        context.Emit(
            "executor_submit_wait",
            submitWait,
            "tasks/s",
            new JsonObject { ["threads"] = Threads, ["n"] = n1, ["warmup_rounds"] = WarmupRounds, ["rounds"] = TimedRounds, ["stat"] = "median" });
        context.Emit("executor_submit_wait_first", n1 / first, "tasks/s", new JsonObject { ["threads"] = Threads, ["n"] = n1 });

        for (int i = 0; i < WarmupRounds; i++)
        {
            MapDefaultChunks(n2);
        }

        int effective = (int)Math.Ceiling(n2 / (4.0 * Threads));
        context.Emit(
            "threadpool_map",
            Timing.MedianAfterCollect(TimedRounds, () => n2 / MapDefaultChunks(n2)),
            "tasks/s",
            new JsonObject
            {
                ["threads"] = Threads,
                ["n"] = n2,
                ["chunksize"] = null,
                ["effective_chunksize"] = effective,
                ["warmup_rounds"] = WarmupRounds,
                ["rounds"] = TimedRounds,
                ["stat"] = "median",
            });
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric == "executor_submit_wait_first" ? [] : [metric];

    /// <summary>Python's <c>square(x) = x*x</c>, on longs (99,999² does not fit an int).</summary>
    private static long Square(long x) => x * x;

    /// <returns>Seconds from the first Submit to the end of the wait.</returns>
    /// <exception cref="BenchException">The last result is wrong.</exception>
    internal static double SubmitAndWait(int n)
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
    internal static double MapDefaultChunks(int n)
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
