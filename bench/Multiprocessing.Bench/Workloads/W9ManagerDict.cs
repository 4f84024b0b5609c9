using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W9 manager_dict, as CPython's: <c>using var m = Manager.Start(); var d = m.Dictionary&lt;int, int&gt;()</c>. One
/// child does an untimed <c>d.Count</c> (to connect), then 20,000 × <c>d[i] = i</c>, then 20,000 × <c>d[i]</c>,
/// timing each phase itself. <c>op</c>: µs per operation over all 40,000; <c>set</c>, <c>get</c>: µs per
/// operation of each phase. The parent checks that every entry arrived.
/// </summary>
internal sealed class W9ManagerDict : IWorkload
{
    public void Run(WorkloadContext context)
    {
        int n = context.Size(20_000);
        using Manager manager = Manager.Start();
        using ManagedDictionary<int, int> d = manager.Dictionary<int, int>();
        using ChildProcess<(double Set, double Get)> child = ChildProcess.Start(static (ManagedDictionary<int, int> dic, int count) => Measure(dic, count), d, n);
        child.Join();
        if (child.ExitCode != 0)
        {
            throw new BenchException($"manager_dict child {child} exited with {child.ExitCode}: {child.Exception}");
        }

        (double setSeconds, double getSeconds) = child.Result;
        int entries = d.Count;
        if (entries != n)
        {
            throw new BenchException($"manager_dict: the dictionary has {entries} entries, expected {n}");
        }

        var both = new JsonObject { ["sets"] = n, ["gets"] = n };
        context.Emit("op", (setSeconds + getSeconds) * 1e6 / (2 * n), "us/op", both);
        context.Emit("set", setSeconds * 1e6 / n, "us/op", new JsonObject { ["sets"] = n });
        context.Emit("get", getSeconds * 1e6 / n, "us/op", new JsonObject { ["gets"] = n });
    }

    /// <summary>The child: connect, then time the sets and the gets.</summary>
    /// <returns>Seconds for the sets and for the gets.</returns>
    private static (double Set, double Get) Measure(ManagedDictionary<int, int> d, int n)
    {
        _ = d.Count;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            d[i] = i;
        }

        long middle = Stopwatch.GetTimestamp();
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += d[i];
        }

        long end = Stopwatch.GetTimestamp();
        if (sum != (long)n * (n - 1) / 2)
        {
            throw new InvalidOperationException($"the gets summed to {sum}");
        }

        return (Stopwatch.GetElapsedTime(start, middle).TotalSeconds, Stopwatch.GetElapsedTime(middle, end).TotalSeconds);
    }
}
