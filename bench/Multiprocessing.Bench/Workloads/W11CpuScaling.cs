using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W11 cpu_scaling, as CPython's: 4 × <c>CpuTask(3,000,000)</c>, where <c>CpuTask(n)</c> is the sum of
/// <c>i * i</c> for <c>i &lt; n</c> as a long; every way must give the same results.
/// <c>sequential</c>: the 4 calls one after the other on this thread.
/// <c>threads</c>: <c>pool.Map(CpuTask, [n, n, n, n], chunkSize: 1)</c> on a <c>ThreadWorkerPool(2)</c> whose two
/// threads are already running (started, untimed, by two tasks that wait for each other), as <c>mp.Pool(2)</c>
/// starts its workers before CPython's <c>pool</c> timing. <c>threads_speedup</c> = sequential / threads.
/// <c>raw_threads</c> and <c>raw_threads_speedup</c> (no CPython counterpart): two plain threads, started before
/// the clock, each running two of the tasks: the ceiling any pool could reach on this machine at that moment.
/// <c>threads_cold</c> and <c>threads_cold_speedup</c> (no CPython counterpart): the same Map on a new pool, so
/// that the threads start inside the timed region, as <c>ThreadPoolExecutor(2).map</c>'s do in CPython. A
/// <c>CpuTask(3M)</c> takes ~1–1.7 ms here against ~100 ms in CPython, so starting a thread (0.1–3 ms on this
/// VM) weighs on the cold figure as it does not on CPython's. Each time is the median of
/// <see cref="TimedRounds"/> rounds, each after a full GC (a whole measurement lasts a few milliseconds).
/// <c>*_long</c> (speed-ups compared with CPython's, whose tasks last about as long): the same three ways with
/// tasks <see cref="LongFactor"/> times longer, about 100 ms each as <c>cpu_task(3_000_000)</c> is in CPython, over
/// <see cref="LongRounds"/> rounds: at the millisecond scale of the main figures, this VM's two vCPUs often do not
/// give two cores' worth of work (see <c>raw_threads_speedup</c>).
/// </summary>
internal sealed class W11CpuScaling : IWorkload
{
    private const int Tasks = 4;
    private const int Workers = 2;

    /// <summary>Timed rounds of each way, interleaved; the median is reported. A round of all four ways lasts ~15 ms.</summary>
    private const int TimedRounds = 15;

    /// <summary>How many times longer the tasks of the <c>*_long</c> figures are.</summary>
    private const int LongFactor = 100;

    /// <summary>Rounds of the <c>*_long</c> figures (a round lasts about a second).</summary>
    private const int LongRounds = 5;

    /// <summary>How long the two warm-up tasks wait for each other before the run fails.</summary>
    private static readonly TimeSpan RendezvousTimeout = TimeSpan.FromSeconds(60);

    public void Run(WorkloadContext context)
    {
        int n = context.Size(3_000_000);
        int[] items = [.. Enumerable.Repeat(n, Tasks)];

        // Compiled before the clock starts: CpuTask asks for full optimization (no tiering later), and an untimed
        // Map on another pool compiles the pool's code for these types.
        CpuTask(1000);
        using (var warm = new ThreadWorkerPool(Workers))
        {
            warm.Map(CpuTask, Enumerable.Repeat(1000, Tasks), chunkSize: 1);
        }

        // The sequential results are the reference every other way is checked against.
        long[] sequential = new long[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            sequential[i] = CpuTask(n);
        }

        // The process pool and its two workers start outside the timing, as mp.Pool(2) does; an untimed Map gives
        // both workers a task, so that CpuTask is compiled in each.
        using var processes = new ProcessPool(new PoolOptions { WorkerCount = Workers });
        processes.Map(CpuTask, Enumerable.Repeat(1000, 4 * Workers), chunkSize: 1);

        double[] medians = Timing.InterleavedMedians(
            TimedRounds,
            () => Sequential(n, sequential),
            () => Threads(items, sequential, warm: true),
            () => Threads(items, sequential, warm: false),
            () => RawThreads(n, sequential),
            () => Processes(processes, items, sequential));
        (double tSequential, double tThreads, double tCold, double tRaw, double tPool) = (medians[0], medians[1], medians[2], medians[3], medians[4]);

        context.Emit("sequential", tSequential, "s", Parameters(n));
        context.Emit("threads", tThreads, "s", Parameters(n));
        context.Emit("threads_speedup", tSequential / tThreads, "x", Parameters(n));
        context.Emit("threads_cold", tCold, "s", Parameters(n));
        context.Emit("threads_cold_speedup", tSequential / tCold, "x", Parameters(n));
        context.Emit("raw_threads", tRaw, "s", Parameters(n));
        context.Emit("raw_threads_speedup", tSequential / tRaw, "x", Parameters(n));
        context.Emit("pool", tPool, "s", Parameters(n));
        context.Emit("pool_speedup", tSequential / tPool, "x", Parameters(n));

        int nLong = n * LongFactor;
        int[] longItems = [.. Enumerable.Repeat(nLong, Tasks)];
        long[] longExpected = new long[Tasks];
        Array.Fill(longExpected, CpuTask(nLong));
        double[] longMedians = Timing.InterleavedMedians(
            LongRounds,
            () => Sequential(nLong, longExpected),
            () => Threads(longItems, longExpected, warm: true),
            () => Processes(processes, longItems, longExpected));
        JsonObject LongParameters() => new() { ["n"] = nLong, ["tasks"] = Tasks, ["workers"] = Workers, ["rounds"] = LongRounds, ["stat"] = "median, rounds interleaved" };
        context.Emit("sequential_long", longMedians[0], "s", LongParameters());
        context.Emit("threads_speedup_long", longMedians[0] / longMedians[1], "x", LongParameters());
        context.Emit("pool_speedup_long", longMedians[0] / longMedians[2], "x", LongParameters());
    }

    /// <returns>Seconds for the Map on the process pool, whose workers are running.</returns>
    private static double Processes(ProcessPool pool, int[] items, long[] expected)
    {
        long start = Stopwatch.GetTimestamp();
        long[] results = pool.Map(CpuTask, items, chunkSize: 1);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, "pool");
        return seconds;
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric switch
    {
        "threads_cold" => ["threads"],
        "threads_cold_speedup" => ["threads_speedup"],
        "raw_threads" or "raw_threads_speedup" or "sequential_long" => [],
        "threads_speedup_long" => ["threads_speedup"],
        "pool_speedup_long" => ["pool_speedup"],
        _ => [metric],
    };

    private static JsonObject Parameters(int n) =>
        new() { ["n"] = n, ["tasks"] = Tasks, ["workers"] = Workers, ["rounds"] = TimedRounds, ["stat"] = "median, rounds interleaved" };

    /// <exception cref="BenchException">The results differ from the sequential ones.</exception>
    private static void Check(long[] sequential, long[] other, string what)
    {
        if (!sequential.SequenceEqual(other))
        {
            throw new BenchException($"cpu_scaling: {what} results [{string.Join(", ", other)}] differ from sequential [{string.Join(", ", sequential)}]");
        }
    }

    /// <returns>Seconds for the 4 calls one after the other on this thread.</returns>
    private static double Sequential(int n, long[] expected)
    {
        long[] results = new long[Tasks];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Tasks; i++)
        {
            results[i] = CpuTask(n);
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, "sequential");
        return seconds;
    }

    /// <returns>Seconds for the Map on a new pool, whose threads are already running (<paramref name="warm"/>) or start inside the timing.</returns>
    private static double Threads(int[] items, long[] expected, bool warm)
    {
        using var pool = new ThreadWorkerPool(Workers);
        if (warm)
        {
            StartBothThreads(pool);
        }

        long start = Stopwatch.GetTimestamp();
        long[] results = pool.Map(CpuTask, items, chunkSize: 1);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, warm ? "threads" : "threads_cold");
        return seconds;
    }

    /// <summary>
    /// The ceiling any pool could reach at this moment: two plain threads, already started and waiting on an event,
    /// each run two of the tasks; timed from setting the event to the later thread's end.
    /// </summary>
    /// <returns>Seconds.</returns>
    /// <exception cref="BenchException">The results differ from the sequential ones, or the threads did not start in time.</exception>
    private static double RawThreads(int n, long[] sequential)
    {
        long[] results = new long[Tasks];
        long[] ends = new long[Workers];
        using var ready = new CountdownEvent(Workers);
        using var go = new ManualResetEventSlim();
        var threads = new Thread[Workers];
        for (int k = 0; k < Workers; k++)
        {
            int first = k * (Tasks / Workers);
            int worker = k;
            threads[k] = new Thread(() =>
            {
                ready.Signal();
                go.Wait();
                for (int i = first; i < first + (Tasks / Workers); i++)
                {
                    results[i] = CpuTask(n);
                }

                ends[worker] = Stopwatch.GetTimestamp();
            });
            threads[k].Start();
        }

        if (!ready.Wait(RendezvousTimeout))
        {
            throw new BenchException("cpu_scaling: the raw threads did not start");
        }

        long start = Stopwatch.GetTimestamp();
        go.Set();
        foreach (Thread t in threads)
        {
            t.Join();
        }

        Check(sequential, results, "raw_threads");
        return Stopwatch.GetElapsedTime(start, ends.Max()).TotalSeconds;
    }

    /// <summary>Runs two tasks that wait for each other, so that the pool has started both its threads.</summary>
    /// <exception cref="BenchException">They did not meet in time.</exception>
    private static void StartBothThreads(ThreadWorkerPool pool)
    {
        using var barrier = new Barrier(Workers);
        bool[] met = pool.Map(_ => barrier.SignalAndWait(RendezvousTimeout), Enumerable.Range(0, Workers), chunkSize: 1);
        if (!met.All(m => m) || pool.Counters.WorkersStarted != Workers)
        {
            throw new BenchException($"cpu_scaling: the pool's {Workers} threads did not start ({pool.Counters})");
        }
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
