using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W1 process_start. <c>cold</c>: ms per <c>ChildProcess.Start(Empty)</c> + <c>Join()</c>, 20 in a row after one
/// untimed warm-up. <c>warm_spare</c>: the same with <c>ChildProcess.WarmSpares = 1</c>, back to back (a start does
/// not wait for the next spare to be ready). <c>args_result</c>: the same, cold, with one int argument and an int
/// result (<c>ChildProcess.Start((int x) =&gt; x + 1, i).Result</c>). <c>dotnet_hello</c>: ms per
/// <c>dotnet Hello.dll</c> started and waited for, the same way, as the floor of any .NET process start.
/// <c>cold_vs_hello</c>: <c>cold / dotnet_hello</c>. <c>warm_spare_ready</c>: as <c>warm_spare</c>, but each start
/// comes 200 ms (untimed) after the last, so that a spare is ready. <c>burst_warm_spares_N</c>: with
/// <c>WarmSpares = N</c>, N starts back to back and then N joins, N × 200 ms apart, ms per child. CPython's <c>spawn</c> and <c>fork</c> are the counterparts of
/// <c>cold</c>; <c>fork</c> and <c>forkserver</c> those of <c>warm_spare</c>.
/// </summary>
internal sealed class W1ProcessStart : IWorkload
{
    private const int Warmup = 1;

    /// <summary>The <c>WarmSpares</c> values of the <c>burst_warm_spares_N</c> metrics.</summary>
    private static readonly int[] BurstSpares = [2, 4];

    /// <summary>Timed rounds of each burst (full size).</summary>
    private const int BurstRounds = 8;

    /// <summary>Untimed pause between the starts of <c>warm_spare_ready</c>: time for the next spare to boot (about 30 ms).</summary>
    private const int SpacingMs = 200;

    public void Run(WorkloadContext context)
    {
        int n = context.Size(20);

        double cold = Timing.MillisecondsPerCall(Warmup, n, StartAndJoinEmptyChild);
        context.Emit("cold", cold, "ms/process", new JsonObject { ["n"] = n, ["warmup"] = Warmup, ["target"] = "static void Empty()" });

        double warm;
        double ready;
        ChildProcess.WarmSpares = 1;
        try
        {
            warm = Timing.MillisecondsPerCall(Warmup, n, StartAndJoinEmptyChild);
            ready = SpacedStarts(n);
        }
        finally
        {
            ChildProcess.WarmSpares = 0;
        }

        context.Emit(
            "warm_spare",
            warm,
            "ms/process",
            new JsonObject { ["n"] = n, ["warmup"] = Warmup, ["target"] = "static void Empty()", ["warm_spares"] = 1 });

        context.Emit(
            "warm_spare_ready",
            ready,
            "ms/process",
            new JsonObject { ["n"] = n, ["target"] = "static void Empty()", ["warm_spares"] = 1, ["spacing_ms"] = SpacingMs });

        foreach (int spares in BurstSpares)
        {
            int rounds = context.Size(BurstRounds);
            double burst = Burst(spares, rounds);
            context.Emit(
                $"burst_warm_spares_{spares}",
                burst,
                "ms/process",
                new JsonObject { ["rounds"] = rounds, ["children"] = spares, ["target"] = "static void Empty()", ["warm_spares"] = spares, ["spacing_ms"] = SpacingMs * spares });
        }

        int next = 0;
        double withArgs = Timing.MillisecondsPerCall(Warmup, n, () => StartWithArgumentAndResult(next++));
        context.Emit(
            "args_result",
            withArgs,
            "ms/process",
            new JsonObject { ["n"] = n, ["warmup"] = Warmup, ["target"] = "(int x) => x + 1" });

        HelloWorld hello = HelloWorld.Locate();
        double floor = Timing.MillisecondsPerCall(Warmup, n, hello.RunOnce);
        context.Emit("dotnet_hello", floor, "ms/process", new JsonObject { ["n"] = n, ["warmup"] = Warmup, ["command"] = "dotnet Hello.dll" });

        context.Emit("cold_vs_hello", cold / floor, "x", new JsonObject { ["n"] = n });
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric switch
    {
        "cold" => ["spawn", "fork"],
        "warm_spare" => ["fork", "forkserver"],
        "warm_spare_ready" => ["fork", "forkserver"],
        _ => [],
    };

    private static void Empty()
    {
    }

    /// <summary>
    /// <c>warm_spare_ready</c>: what a start costs when a spare is ready, as for a program that starts children now
    /// and then. Only Start + Join is timed; the pause between starts is the workload's definition, not a wait
    /// for a race.
    /// </summary>
    private static double SpacedStarts(int n)
    {
        double total = 0;
        for (int i = 0; i <= n; i++)
        {
            Thread.Sleep(SpacingMs);
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            StartAndJoinEmptyChild();
            double ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (i > 0)
            {
                total += ms; // The first start is the warm-up.
            }
        }

        return total / n;
    }

    /// <summary>
    /// <c>burst_warm_spares_N</c>: with <c>WarmSpares = N</c>, N children started back to back, then all joined; ms
    /// per child. Each round comes <c>N × 200</c> ms (untimed) after the last, so that the N spares are ready: what a
    /// program pays that starts a few children at once now and then. The first round is the warm-up.
    /// </summary>
    private static double Burst(int spares, int rounds)
    {
        ChildProcess.WarmSpares = spares;
        try
        {
            double total = 0;
            var children = new ChildProcess[spares];
            for (int round = 0; round <= rounds; round++)
            {
                Thread.Sleep(SpacingMs * spares);
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int i = 0; i < spares; i++)
                {
                    children[i] = ChildProcess.Start(Empty);
                }

                foreach (ChildProcess child in children)
                {
                    child.Join();
                }

                double ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                foreach (ChildProcess child in children)
                {
                    int? code = child.ExitCode;
                    child.Dispose();
                    if (code != 0)
                    {
                        throw new BenchException($"a child of the burst exited with {code}");
                    }
                }

                if (round > 0)
                {
                    total += ms / spares;
                }
            }

            return total / rounds;
        }
        finally
        {
            ChildProcess.WarmSpares = 0;
        }
    }

    private static void StartAndJoinEmptyChild()
    {
        using ChildProcess child = ChildProcess.Start(Empty);
        child.Join();
        if (child.ExitCode != 0)
        {
            throw new BenchException($"the empty child exited with {child.ExitCode}: {child.Exception}");
        }
    }

    private static void StartWithArgumentAndResult(int x)
    {
        using ChildProcess<int> child = ChildProcess.Start((int a) => a + 1, x);
        int result = child.Result;
        child.Join();
        if (result != x + 1 || child.ExitCode != 0)
        {
            throw new BenchException($"the child given {x} returned {result} (expected {x + 1}) and exited with {child.ExitCode}");
        }
    }
}
