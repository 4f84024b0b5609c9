using System.Diagnostics;
using System.Text.Json.Nodes;
using Markdig;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W13 real_render (issue #17, point 4; no CPython counterpart): real work from a third-party library. A few hundred
/// generated Markdown documents of uneven size (2 KB to 200 KB, log-uniform; see <see cref="MarkdownCorpus"/>) are
/// written to a temporary folder, and each item is a file path: the call reads the file and renders it to HTML with
/// Markdig (its advanced extensions), returning the HTML's length. Every way must give the same lengths.
/// Ways, as items/s and as the ratio to <c>sequential</c>:
/// <c>sequential</c>: the calls one after the other in this process, whose Markdig is compiled (a first, untimed
/// pass compiled it: that pass is <c>sequential_first</c>).
/// <c>threads</c> (and <c>threads_speedup</c>): two threads of this process share the items, the ceiling of what
/// the cores give this process at that moment (on this VM, with other sessions busy, well under 2).
/// <c>cold</c>: a new <c>ProcessPool(2)</c> and its first <c>Map</c>, from the constructor to the results (each
/// worker starts a runtime and compiles Markdig again). <c>warm</c>: a second <c>Map</c> on that pool.
/// The variants change one thing each: <c>_chunk1</c> maps with chunk size 1 (the default cuts the few hundred
/// uneven items into 8 chunks); <c>_initializer</c> gives the pool an initializer that renders a 64 KB document
/// (<see cref="MarkdownCorpus.WarmUp"/>), and the caller does its own work meanwhile (<c>own_work_ms</c> of waiting:
/// as long as such a pool took, once, until both its workers were ready) before it maps: timed from the end of that work, so that
/// the figure is what the cold pool costs on top of work the caller had to do anyway. The plain ways start the
/// workers with the pool's defaults (<c>DOTNET_TieredPGO=0</c> and <c>DOTNET_TC_CallCountingDelayMs=0</c>, see
/// <see cref="ProcessPoolOptions.WorkerEnvironment"/>); <c>_runtime_defaults</c> (and with the initializer,
/// <c>_runtime_defaults_initializer</c>) with the runtime's own; <c>_no_delay_only</c> and <c>_pgo_off_only</c> with
/// one of the pool's two;
/// <c>_quickjit_off</c> and <c>_tc_off</c> with the pool's defaults and <c>DOTNET_TC_QuickJitForLoops=0</c> or
/// <c>DOTNET_TieredCompilation=0</c>.
/// Run from a <c>dotnet publish -p:BenchReadyToRun=true</c>
/// output, every way runs Markdig precompiled (ReadyToRun); see bench/README.md.
/// Each way is timed in <see cref="Rounds"/> interleaved rounds (each after a full GC); medians are reported.
/// </summary>
internal sealed class W13RealRender : IWorkload
{
    private const int Workers = 2;
    private const int Rounds = 3;

    /// <summary>The runtime's own defaults for the settings a pool gives its workers unless told otherwise (<c>DOTNET_TieredPGO=0</c>, <c>DOTNET_TC_CallCountingDelayMs=0</c>): a null value keeps the runtime's.</summary>
    // Declared before Variants, which reads it (static fields start in the order written).
    private static readonly Dictionary<string, string?> RuntimeDefaults = new() { ["DOTNET_TieredPGO"] = null, ["DOTNET_TC_CallCountingDelayMs"] = null };

    /// <summary>The variants of the cold and warm pools: a suffix, what the workers' environment gets, and whether they warm up in an initializer.</summary>
    private static readonly (string Suffix, Dictionary<string, string?>? Environment, bool Initializer, int? ChunkSize)[] Variants =
    [
        (string.Empty, null, false, null),
        ("_chunk1", null, false, 1),
        ("_initializer", null, true, null),
        ("_runtime_defaults", RuntimeDefaults, false, null),
        ("_runtime_defaults_initializer", RuntimeDefaults, true, null),
        ("_no_delay_only", new() { ["DOTNET_TieredPGO"] = null, ["DOTNET_TC_CallCountingDelayMs"] = "0" }, false, null),
        ("_pgo_off_only", new() { ["DOTNET_TC_CallCountingDelayMs"] = null }, false, null),
        ("_quickjit_off", new() { ["DOTNET_TC_QuickJitForLoops"] = "0" }, false, null),
        ("_tc_off", new() { ["DOTNET_TieredCompilation"] = "0" }, false, null),
    ];

    public void Run(WorkloadContext context)
    {
        int documents = context.Size(300);
        string folder = Path.Combine(Path.GetTempPath(), $"mp-bench-w13-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string[] paths = MarkdownCorpus.Write(folder, documents, seed: 13);
            long bytes = paths.Sum(p => new FileInfo(p).Length);

            long start = Stopwatch.GetTimestamp();
            int[] expected = [.. paths.Select(MarkdownCorpus.Render)];
            double first = Stopwatch.GetElapsedTime(start).TotalSeconds;

            // The caller's own work in the _initializer way: as long as the warming workers take to be ready, measured once.
            double ownWork = OwnWorkSeconds();

            var sequential = new double[Rounds];
            var threads = new double[Rounds];
            var cold = new double[Variants.Length, Rounds];
            var warm = new double[Variants.Length, Rounds];
            for (int r = 0; r < Rounds; r++)
            {
                Collect();
                sequential[r] = Sequential(paths, expected);
                Collect();
                threads[r] = Threads(paths, expected);
                for (int v = 0; v < Variants.Length; v++)
                {
                    Collect();
                    (cold[v, r], warm[v, r]) = ColdThenWarm(paths, expected, Variants[v], ownWork);
                }
            }

            JsonObject Parameters(string? variant = null, int? chunkSize = null) => new()
            {
                ["documents"] = documents,
                ["bytes"] = bytes,
                ["workers"] = Workers,
                ["chunksize"] = chunkSize,
                ["variant"] = variant,
                ["own_work_ms"] = Math.Round(ownWork * 1000, 1),
                ["rounds"] = Rounds,
                ["stat"] = "median, rounds interleaved",
                ["load"] = Machine.LoadAverage(),
            };

            double tSequential = Median(sequential);
            context.Emit("sequential_first", documents / first, "items/s", Parameters());
            context.Emit("sequential", documents / tSequential, "items/s", Parameters());
            double tThreads = Median(threads);
            context.Emit("threads", documents / tThreads, "items/s", Parameters());
            context.Emit("threads_speedup", tSequential / tThreads, "x", Parameters());
            for (int v = 0; v < Variants.Length; v++)
            {
                (string suffix, _, _, int? chunkSize) = Variants[v];
                double tCold = Median(Row(cold, v));
                double tWarm = Median(Row(warm, v));
                string variant = suffix.Length == 0 ? "default" : suffix[1..];
                context.Emit("cold" + suffix, documents / tCold, "items/s", Parameters(variant, chunkSize));
                context.Emit("cold_speedup" + suffix, tSequential / tCold, "x", Parameters(variant, chunkSize));
                context.Emit("warm" + suffix, documents / tWarm, "items/s", Parameters(variant, chunkSize));
                context.Emit("warm_speedup" + suffix, tSequential / tWarm, "x", Parameters(variant, chunkSize));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => [];

    /// <summary>How long a new pool whose initializer warms up takes until every worker is ready: the caller's own work in the <c>_initializer</c> way.</summary>
    /// <exception cref="BenchException">The workers were not ready within a minute.</exception>
    private static double OwnWorkSeconds()
    {
        long start = Stopwatch.GetTimestamp();
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = Workers, Initializer = MarkdownCorpus.WarmUp });
        while (pool.GetWorkers().Any(w => w.State == PoolWorkerState.Starting))
        {
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(1))
            {
                throw new BenchException("real_render: the warming workers were not ready within a minute");
            }

            Thread.Sleep(1);
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <returns>Seconds of a new pool's first map (from its constructor) and of its second map.</returns>
    private static (double Cold, double Warm) ColdThenWarm(
        string[] paths,
        int[] expected,
        (string Suffix, Dictionary<string, string?>? Environment, bool Initializer, int? ChunkSize) variant,
        double ownWork)
    {
        var options = new ProcessPoolOptions
        {
            WorkerCount = Workers,
            Initializer = variant.Initializer ? MarkdownCorpus.WarmUp : null,
            WorkerEnvironment = variant.Environment,
        };
        long start = Stopwatch.GetTimestamp();
        using var pool = new ProcessPool(options);
        if (variant.Initializer)
        {
            // The caller's own work, while the workers start and warm up: work that waits (reading a database, a
            // download), not work that takes a core. Only the time after it counts as the cold map's.
            Thread.Sleep(TimeSpan.FromSeconds(ownWork));
            start = Stopwatch.GetTimestamp();
        }

        int[] results = Map(pool, paths, variant.ChunkSize);
        double cold = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, "cold" + variant.Suffix);

        start = Stopwatch.GetTimestamp();
        results = Map(pool, paths, variant.ChunkSize);
        double warm = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, "warm" + variant.Suffix);
        return (cold, warm);
    }

    private static int[] Map(ProcessPool pool, string[] paths, int? chunkSize) =>
        chunkSize is int size ? pool.Map(MarkdownCorpus.Render, paths, size) : pool.Map(MarkdownCorpus.Render, paths);

    private static double Sequential(string[] paths, int[] expected)
    {
        long start = Stopwatch.GetTimestamp();
        int[] results = [.. paths.Select(MarkdownCorpus.Render)];
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, "sequential");
        return seconds;
    }

    /// <summary>
    /// The ceiling at this moment: two threads of this process, each rendering every other item (Markdig's pipeline
    /// is shared, as its documentation allows). On this VM the scheduler shares the cores between sessions
    /// (autogroup), so when other sessions are busy two threads (or two workers) get little more than one.
    /// </summary>
    private static double Threads(string[] paths, int[] expected)
    {
        var results = new int[paths.Length];
        long start = Stopwatch.GetTimestamp();
        Parallel.For(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers }, k =>
        {
            for (int i = k; i < paths.Length; i += Workers)
            {
                results[i] = MarkdownCorpus.Render(paths[i]);
            }
        });
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Check(expected, results, "threads");
        return seconds;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double[] Row(double[,] values, int row) => [.. Enumerable.Range(0, values.GetLength(1)).Select(c => values[row, c])];

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <exception cref="BenchException">The results differ from the first sequential pass's.</exception>
    private static void Check(int[] expected, int[] results, string what)
    {
        if (!expected.SequenceEqual(results))
        {
            throw new BenchException($"real_render: {what} gave other HTML lengths than the sequential pass");
        }
    }
}
