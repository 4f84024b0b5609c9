using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W8 shared_counter, as CPython's: <c>SharedValue.Create&lt;int&gt;(0)</c>; 2 children each release a ready
/// semaphore, wait on a <c>SharedEvent</c>, then do 100,000 increments and store their end timestamp in a
/// <c>SharedArray&lt;long&gt;</c>. Time runs from <c>go.Set()</c> to the later child's end. The final value must be
/// exactly 200,000. <c>locked_increment</c>: <c>using (v.GetLock().Acquire()) { v.Value++; }</c> (Python's
/// <c>with v.get_lock(): v.value += 1</c>). <c>atomic_increment</c>: <c>v.Add(1)</c>, no lock (no CPython counterpart).
/// </summary>
internal sealed class W8SharedCounter : IWorkload
{
    private const int Workers = 2;

    /// <summary>How long the children may take to start and signal ready before the run fails.</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public void Run(WorkloadContext context)
    {
        int n = context.Size(100_000);
        foreach ((string metric, bool atomic) in new[] { ("locked_increment", false), ("atomic_increment", true) })
        {
            (double opsPerSecond, int final) = Measure(n, atomic);
            context.Emit(
                metric,
                opsPerSecond,
                "ops/s",
                new JsonObject { ["processes"] = Workers, ["increments_per_process"] = n, ["final"] = final });
        }
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric == "locked_increment" ? [metric] : [];

    /// <returns>Increments per second over both children, and the final value.</returns>
    /// <exception cref="BenchException">A child failed or the count is wrong.</exception>
    private static (double OpsPerSecond, int Final) Measure(int n, bool atomic)
    {
        using SharedValue<int> value = SharedValue.Create(0);
        using SharedSemaphore ready = SharedSemaphore.Create(0);
        using SharedEvent go = SharedEvent.Create();
        using SharedArray<long> done = SharedArray.Create<long>(Workers);

        var children = new List<ChildProcess>(Workers);
        try
        {
            for (int k = 0; k < Workers; k++)
            {
                int index = k;
                children.Add(ChildProcess.Start(
                    (SharedValue<int> v, SharedSemaphore r, SharedEvent g, SharedArray<long> d) => Count(v, r, g, d, index, n, atomic),
                    value,
                    ready,
                    go,
                    done));
            }

            for (int k = 0; k < Workers; k++)
            {
                if (!ready.TryAcquire(ReadyTimeout))
                {
                    throw new BenchException(
                        $"only {k} of {Workers} counter children signalled ready within {ReadyTimeout.TotalSeconds} s: " +
                        string.Join("; ", children.Select(c => $"{c} exit code {c.ExitCode?.ToString() ?? "none (running)"} {c.Exception}")));
                }
            }

            long start = Stopwatch.GetTimestamp();
            go.Set();
            foreach (ChildProcess child in children)
            {
                child.Join();
                if (child.ExitCode != 0)
                {
                    throw new BenchException($"counter child {child} exited with {child.ExitCode}: {child.Exception}");
                }
            }

            long end = Math.Max(done[0], done[1]);
            int final = value.Value;
            if (final != Workers * n)
            {
                throw new BenchException(
                    $"shared_counter ({(atomic ? "atomic Add" : "GetLock")}): the final value is {final}, expected {Workers * n} ({Workers} × {n})");
            }

            double seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
            return (Workers * n / seconds, final);
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    /// <summary>The child: signal ready, wait for go, increment <paramref name="n"/> times, record the end time.</summary>
    private static void Count(SharedValue<int> v, SharedSemaphore ready, SharedEvent go, SharedArray<long> done, int index, int n, bool atomic)
    {
        ready.Release();
        go.Wait();
        if (atomic)
        {
            for (int i = 0; i < n; i++)
            {
                v.Add(1);
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                using (v.GetLock().Acquire())
                {
                    v.Value++;
                }
            }
        }

        done[index] = Stopwatch.GetTimestamp();
    }
}
