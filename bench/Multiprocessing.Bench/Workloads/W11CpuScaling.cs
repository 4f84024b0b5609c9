using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W11 cpu_scaling, as CPython's: 4 × <c>CpuTask(3,000,000)</c>, where <c>CpuTask(n)</c> is the sum of
/// <c>i * i</c> for <c>i &lt; n</c> as a long. <c>sequential</c>: the 4 calls one after the other on this thread.
/// <c>threads</c>: <c>new ThreadWorkerPool(2).Map(CpuTask, [n, n, n, n], chunkSize: 1)</c> (pool created outside
/// the timed region, threads started inside it, as <c>ThreadPoolExecutor(2).map</c>). The results must be equal.
/// <c>threads_speedup</c> = sequential / threads.
/// </summary>
internal sealed class W11CpuScaling : IWorkload
{
    private const int Tasks = 4;
    private const int Workers = 2;

    public void Run(WorkloadContext context)
    {
        int n = context.Size(3_000_000);
        var parameters = new JsonObject { ["n"] = n, ["tasks"] = Tasks, ["workers"] = Workers };

        // Compiled before the clock starts (the method asks for full optimization, so no tiering happens later).
        CpuTask(1000);

        long start = Stopwatch.GetTimestamp();
        long[] sequential = new long[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            sequential[i] = CpuTask(n);
        }

        double tSequential = Stopwatch.GetElapsedTime(start).TotalSeconds;

        double tThreads;
        long[] threads;
        using (var pool = new ThreadWorkerPool(Workers))
        {
            start = Stopwatch.GetTimestamp();
            threads = pool.Map(CpuTask, Enumerable.Repeat(n, Tasks), chunkSize: 1);
            tThreads = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        // TODO(lead, ProcessPool): "pool" = new ProcessPool(2).Map(CpuTask, [n, n, n, n], chunkSize: 1), timed the
        // same way (pool and its workers started outside the timed region, as mp.Pool(2)); check its results
        // against `sequential`, then emit "pool" (s) and "pool_speedup" (tSequential / tPool) below.
        if (!sequential.SequenceEqual(threads))
        {
            throw new BenchException($"cpu_scaling: results differ: sequential [{string.Join(", ", sequential)}], threads [{string.Join(", ", threads)}]");
        }

        context.Emit("sequential", tSequential, "s", parameters.DeepClone().AsObject());
        context.Emit("threads", tThreads, "s", parameters.DeepClone().AsObject());
        context.Emit("threads_speedup", tSequential / tThreads, "x", parameters.DeepClone().AsObject());
    }

    /// <summary>Python's <c>cpu_task(n) = sum(i*i for i in range(n))</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long CpuTask(int n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++)
        {
            sum += i * i;
        }

        return sum;
    }
}
