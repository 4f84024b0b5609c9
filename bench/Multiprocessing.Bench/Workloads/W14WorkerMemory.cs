using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W14 worker_memory (issue #17, point 5; Linux only): the memory of a <c>ProcessPool(2)</c>'s workers, the mean of
/// the two, in MiB (2^20 bytes; the kernel's kB are KiB) from <c>/proc/&lt;pid&gt;/smaps_rollup</c>
/// (<see cref="ProcessMemory"/>): <c>rss</c> (resident, shared pages counted whole), <c>pss</c> (shared pages divided among the processes that map them) and <c>uss</c>
/// (private: what the worker's exit gives back, the cost of one more worker). Each round, for each variant, a new
/// pool: every worker runs a trivial task, and after a pause of <see cref="IdlePauseMs"/> ms the <c>_idle</c>
/// figures are read; then, as W2, two maps of 200 000 ints (<c>x =&gt; (long)x * x</c>, the default chunk size), the
/// second timed as <c>map_small</c> (tasks/s), and two of 20 000 with chunk size 1, the second timed as
/// <c>map_chunk1</c>, and the <c>_after_map</c> figures; then two maps of W13's Markdown
/// corpus (<see cref="MarkdownCorpus"/>, 300 documents; each call reads a file and renders it with Markdig), the
/// second timed as <c>render_warm</c> (items/s), and the <c>_after_render</c> figures. Speed is measured beside
/// memory so that a setting that saves memory shows what it costs; and since elapsed time on a shared machine
/// depends on what else runs, also the processor time the two workers used in the timed chunk-size-1 map and render
/// (<c>map_chunk1_cpu</c>, <c>render_warm_cpu</c>, ms, from <see cref="ProcessCpu"/>: ticks of 10 ms per worker).
/// Variants: the pool's defaults (no suffix), and <c>_gen0_4m</c> and <c>_gen0_8m</c>, whose workers get
/// <c>DOTNET_GCgen0size=0x400000</c> or <c>0x800000</c> (a gen0 allocation budget of 4 or 8 MiB: the runtime's
/// default here is larger, from the size of the processor's cache) through
/// <see cref="ProcessPoolOptions.WorkerEnvironment"/>.
/// <see cref="Rounds"/> interleaved rounds (each after a full GC in this process); medians, with each round's value
/// (<c>values</c>) and the least and greatest in the params. <c>dotnet_hello_rss</c>: the peak resident memory
/// (<c>VmHWM</c>) of <c>dotnet Hello.dll</c> (<see cref="HelloWorld"/>), the median of <see cref="Rounds"/> runs: the
/// floor of a .NET process.
/// CPython's counterparts (<c>python_mp_bench.py</c> <c>w14</c>): a <c>multiprocessing.Pool(2)</c>'s workers (its
/// default start method), idle and after the same maps of ints (it has no Markdig), and a bare <c>python3</c>.
/// </summary>
internal sealed class W14WorkerMemory : IWorkload
{
    private const int Workers = 2;
    private const int Rounds = 5;

    /// <summary>How long the workers are left alone after their first task before the <c>_idle</c> figures are read: time for what the runtime does in the background after a first call (tiering, the finalizer) to settle.</summary>
    private const int IdlePauseMs = 300;

    /// <summary>The variants: a suffix, and what the workers' environment gets.</summary>
    private static readonly (string Suffix, Dictionary<string, string?>? Environment)[] Variants =
    [
        (string.Empty, null),
        ("_gen0_4m", new() { ["DOTNET_GCgen0size"] = "0x400000" }),
        ("_gen0_8m", new() { ["DOTNET_GCgen0size"] = "0x800000" }),
    ];

    /// <summary>Where the figures are read, after which work, in the order of a round.</summary>
    private static readonly string[] Moments = ["idle", "after_map", "after_render"];

    public void Run(WorkloadContext context)
    {
        ProcessMemory.RequireLinux("/proc/<pid>/smaps_rollup");
        int documents = context.Size(300);
        int n = context.Size(200_000);
        int n1 = context.Size(20_000);
        string folder = Path.Combine(Path.GetTempPath(), $"mp-bench-w14-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string[] paths = MarkdownCorpus.Write(folder, documents, seed: 13);
            int[] expected = [.. paths.Select(MarkdownCorpus.Render)];

            var samples = new Sample[Variants.Length, Rounds];
            for (int r = 0; r < Rounds; r++)
            {
                for (int v = 0; v < Variants.Length; v++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                    samples[v, r] = Measure(Variants[v].Environment, paths, expected, n, n1);
                }
            }

            HelloWorld hello = HelloWorld.Locate();
            double[] helloRss = [.. Enumerable.Range(0, Rounds).Select(_ => hello.PeakResidentMb())];
            string? load = Machine.LoadAverage();
            context.Emit("dotnet_hello_rss", Timing.Median(helloRss), "MiB", Parameters(helloRss, load, new JsonObject { ["command"] = "dotnet Hello.dll", ["figure"] = "VmHWM" }));

            for (int v = 0; v < Variants.Length; v++)
            {
                (string suffix, Dictionary<string, string?>? environment) = Variants[v];
                Sample[] row = [.. Enumerable.Range(0, Rounds).Select(r => samples[v, r])];
                JsonObject Common() => new()
                {
                    ["workers"] = Workers,
                    ["documents"] = documents,
                    ["n"] = n,
                    ["n_chunk1"] = n1,
                    ["variant"] = suffix.Length == 0 ? "default" : suffix[1..],
                    ["environment"] = environment is null ? null : string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}")),
                    ["idle_pause_ms"] = IdlePauseMs,
                };

                for (int m = 0; m < Moments.Length; m++)
                {
                    Emit(context, $"rss_{Moments[m]}{suffix}", [.. row.Select(s => s.Memory[m].RssMb)], "MiB", load, Common());
                    Emit(context, $"pss_{Moments[m]}{suffix}", [.. row.Select(s => s.Memory[m].PssMb)], "MiB", load, Common());
                    Emit(context, $"uss_{Moments[m]}{suffix}", [.. row.Select(s => s.Memory[m].UssMb)], "MiB", load, Common());
                }

                Emit(context, "map_small" + suffix, [.. row.Select(s => n / s.MapSeconds)], "tasks/s", load, Common());
                Emit(context, "map_chunk1" + suffix, [.. row.Select(s => n1 / s.MapChunk1Seconds)], "tasks/s", load, Common());
                Emit(context, "render_warm" + suffix, [.. row.Select(s => documents / s.RenderSeconds)], "items/s", load, Common());
                Emit(context, "map_chunk1_cpu" + suffix, [.. row.Select(s => s.MapChunk1CpuSeconds * 1000)], "ms", load, Common());
                Emit(context, "render_warm_cpu" + suffix, [.. row.Select(s => s.RenderCpuSeconds * 1000)], "ms", load, Common());
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The plain metrics have CPython counterparts of the same name (but <c>_after_render</c>: CPython has no Markdig); <c>dotnet_hello_rss</c> is compared with a bare <c>python3</c>'s.</summary>
    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric switch
    {
        "dotnet_hello_rss" => ["python_hello_rss"],
        "map_small" => [metric],
        _ when metric.EndsWith("_idle", StringComparison.Ordinal) || metric.EndsWith("_after_map", StringComparison.Ordinal) => [metric],
        _ => [],
    };

    private static void Emit(WorkloadContext context, string metric, double[] values, string unit, string? load, JsonObject parameters) =>
        context.Emit(metric, Timing.Median(values), unit, Parameters(values, load, parameters));

    private static JsonObject Parameters(double[] values, string? load, JsonObject parameters)
    {
        parameters["rounds"] = values.Length;
        parameters["stat"] = "median, rounds interleaved";
        parameters["min"] = Json.Round6(values.Min());
        parameters["max"] = Json.Round6(values.Max());
        parameters["values"] = new JsonArray([.. values.Select(v => (JsonNode)Json.Round6(v))]);
        parameters["load"] = load;
        return parameters;
    }

    /// <summary>One round of one variant: a new pool, its workers' memory idle, after the maps of ints and after the renders, and the timed maps.</summary>
    /// <exception cref="BenchException">A map's results are wrong, or a worker's memory cannot be read.</exception>
    private static Sample Measure(Dictionary<string, string?>? environment, string[] paths, int[] expected, int n, int n1)
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = Workers, WorkerEnvironment = environment });
        RunATaskInEveryWorker(pool);
        Thread.Sleep(IdlePauseMs);
        var memory = new ProcessMemory[Moments.Length];
        memory[0] = WorkersMemory(pool);

        (double Seconds, double CpuSeconds) map = SecondOfTwo(pool, () => pool.Map(Square, Enumerable.Range(0, n)), squares => PoolBench.CheckSquares(squares, n));
        (double Seconds, double CpuSeconds) mapChunk1 = SecondOfTwo(pool, () => pool.Map(Square, Enumerable.Range(0, n1), chunkSize: 1), squares => PoolBench.CheckSquares(squares, n1));
        memory[1] = WorkersMemory(pool);

        (double Seconds, double CpuSeconds) render = SecondOfTwo(pool, () => pool.Map(MarkdownCorpus.Render, paths), lengths =>
        {
            if (!expected.SequenceEqual(lengths))
            {
                throw new BenchException("worker_memory: the pool's render gave other HTML lengths than this process's");
            }
        });
        memory[2] = WorkersMemory(pool);
        return new Sample(memory, map.Seconds, mapChunk1.Seconds, mapChunk1.CpuSeconds, render.Seconds, render.CpuSeconds);
    }

    /// <summary>Runs <paramref name="map"/> twice, checking each result with <paramref name="check"/>: the first run compiles and warms up what the second then runs.</summary>
    /// <returns>The second run's elapsed seconds and the workers' processor seconds in it.</returns>
    private static (double Seconds, double CpuSeconds) SecondOfTwo<T>(ProcessPool pool, Func<T> map, Action<T> check)
    {
        (double, double) second = default;
        for (int run = 0; run < 2; run++)
        {
            double cpu = WorkersCpuSeconds(pool);
            long start = Stopwatch.GetTimestamp();
            T result = map();
            second = (Stopwatch.GetElapsedTime(start).TotalSeconds, WorkersCpuSeconds(pool) - cpu);
            check(result);
        }

        return second;
    }

    /// <summary>
    /// Waits until every worker has started, then maps trivial tasks, one per worker at a time, until every worker has
    /// ended one (a free worker takes the next task, so one map may leave the other worker idle).
    /// </summary>
    /// <exception cref="BenchException">The workers had not started within a minute, or a worker has not run a task after 100 maps.</exception>
    private static void RunATaskInEveryWorker(ProcessPool pool)
    {
        long start = Stopwatch.GetTimestamp();
        while (pool.GetWorkers().Any(w => w.State == PoolWorkerState.Starting))
        {
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(1))
            {
                throw new BenchException("worker_memory: the workers had not started within a minute");
            }

            Thread.Sleep(1);
        }

        for (int attempt = 0; attempt < 100; attempt++)
        {
            if (pool.Map(Echo, Enumerable.Range(0, Workers), chunkSize: 1).Length != Workers)
            {
                throw new BenchException("worker_memory: a trivial map lost results");
            }

            if (pool.GetWorkers().All(w => w.TasksDone > 0))
            {
                return;
            }
        }

        throw new BenchException($"worker_memory: a worker ran none of 100 trivial maps' tasks ({string.Join(", ", pool.GetWorkers().Select(w => $"{w.Name} {w.State} {w.TasksDone} done"))})");
    }

    /// <exception cref="BenchException">A worker is not running, or its memory cannot be read.</exception>
    private static ProcessMemory WorkersMemory(ProcessPool pool) => ProcessMemory.Mean([.. WorkerPids(pool).Select(ProcessMemory.Of)]);

    /// <summary>The processor seconds the workers have used so far, together.</summary>
    /// <exception cref="BenchException">A worker is not running, or its times cannot be read.</exception>
    private static double WorkersCpuSeconds(ProcessPool pool) => WorkerPids(pool).Sum(ProcessCpu.Seconds);

    /// <exception cref="BenchException">A worker has no process id (it is not running).</exception>
    private static int[] WorkerPids(ProcessPool pool)
    {
        IReadOnlyList<PoolWorkerInfo> workers = pool.GetWorkers();
        return workers.Count == Workers && workers.All(w => w.Pid is not null)
            ? [.. workers.Select(w => w.Pid!.Value)]
            : throw new BenchException($"worker_memory: expected {Workers} running workers, found {string.Join(", ", workers.Select(w => $"{w.Name} {w.State} pid {w.Pid}"))}");
    }

    private static int Echo(int x) => x;

    private static long Square(int x) => (long)x * x;

    /// <summary>What one round of one variant measured: the workers' mean memory at each of <see cref="Moments"/>, and the seconds (elapsed, and the workers' processor time) of the second map of each kind.</summary>
    private sealed record Sample(ProcessMemory[] Memory, double MapSeconds, double MapChunk1Seconds, double MapChunk1CpuSeconds, double RenderSeconds, double RenderCpuSeconds);
}
