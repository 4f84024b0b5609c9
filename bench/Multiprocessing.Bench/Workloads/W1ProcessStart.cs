using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W1 process_start. <c>cold</c>: ms per <c>ChildProcess.Start(Empty)</c> + <c>Join()</c>, 20 in a row after one
/// untimed warm-up. <c>dotnet_hello</c>: ms per <c>dotnet Hello.dll</c> started and waited for, the same way, as the
/// floor of any .NET process start. <c>cold_vs_hello</c>: their ratio. CPython's <c>spawn</c> and <c>fork</c> are the counterparts of <c>cold</c>.
/// </summary>
internal sealed class W1ProcessStart : IWorkload
{
    private const int Warmup = 1;

    public void Run(WorkloadContext context)
    {
        int n = context.Size(20);

        double cold = Timing.MillisecondsPerCall(Warmup, n, StartAndJoinEmptyChild);
        context.Emit("cold", cold, "ms/process", new JsonObject { ["n"] = n, ["warmup"] = Warmup, ["target"] = "static void Empty()" });

        HelloWorld hello = HelloWorld.Locate();
        double floor = Timing.MillisecondsPerCall(Warmup, n, hello.RunOnce);
        context.Emit("dotnet_hello", floor, "ms/process", new JsonObject { ["n"] = n, ["warmup"] = Warmup, ["command"] = "dotnet Hello.dll" });

        context.Emit("cold_vs_hello", cold / floor, "x", new JsonObject { ["n"] = n });
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric == "cold" ? ["spawn", "fork"] : [];

    private static void Empty()
    {
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
}
