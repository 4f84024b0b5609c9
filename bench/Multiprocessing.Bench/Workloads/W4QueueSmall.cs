using System.Diagnostics;
using System.Runtime;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W4 queue_small and W5 queue_large, as CPython's: a <c>SharedQueue</c>; the child puts the items; the parent
/// gets them all. Time runs from the child's timestamp just before its first put (passed back through a
/// <c>SharedValue&lt;long&gt;</c>; <see cref="Stopwatch"/> is CLOCK_MONOTONIC, the same clock in both processes) to
/// the parent's last get returning.
/// </summary>
internal sealed class W4QueueSmall : IWorkload
{
    public void Run(WorkloadContext context)
    {
        int n = context.Size(200_000);
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        using SharedValue<long> started = SharedValue.Create(0L);
        using ChildProcess child = ChildProcess.Start(Producer, queue, started, n);

        for (int i = 0; i < n; i++)
        {
            int got = queue.Get();
            if (got != i)
            {
                throw new BenchException($"item {i} came back as {got}");
            }
        }

        long end = Stopwatch.GetTimestamp();
        QueueBench.JoinChild(child);
        double seconds = Stopwatch.GetElapsedTime(started.Value, end).TotalSeconds;
        context.Emit("throughput", n / seconds, "msgs/s", new JsonObject { ["n"] = n, ["item"] = "int 0..n-1" });
    }

    private static void Producer(SharedQueue<int> queue, SharedValue<long> started, int n)
    {
        started.Value = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            queue.Put(i);
        }
    }
}

/// <summary>
/// W5 queue_large: as W4, with the same 1 MiB byte array put 200 times. Measured twice: <c>throughput</c> with the
/// app's default GC settings, then <c>throughput_batch_gc</c> (no CPython counterpart) with
/// <see cref="GCLatencyMode.Batch"/> during the gets. Every get returns a new 1 MiB array, a large-object
/// allocation; every few of them start a background gen-2 collection, and while one runs, large allocations are
/// slowed down and the collector's thread competes with the producer and the consumer for the 2 cores. A blocking
/// collection (<c>Batch</c>, or <c>&lt;ConcurrentGarbageCollection&gt;false&lt;/ConcurrentGarbageCollection&gt;</c>
/// in the app's project) avoids both: the setting a throughput-bound consumer of large messages would choose.
/// Then <c>throughput_into</c> (no CPython counterpart): the consumer takes each item into one reused buffer
/// with <c>GetInto</c>, allocating nothing per item; and <c>throughput_lease</c> (no CPython counterpart): each item in a
/// lease from <c>GetLease</c> (an array of the shared <c>ArrayPool</c>), disposed once the item is checked. On this
/// VM a fresh 1 MiB array costs ~100–250 µs in page faults
/// alone (measured: allocate and copy 1 MiB in a loop), which is what the first two figures pay per item.
/// </summary>
internal sealed class W5QueueLarge : IWorkload
{
    private const int ItemBytes = 1 << 20;

    public void Run(WorkloadContext context)
    {
        int n = context.Size(200);
        var parameters = new JsonObject { ["n"] = n, ["item_bytes"] = ItemBytes, ["mb"] = 1_000_000 };
        context.Emit("throughput", Measure(n), "MB/s", parameters);

        GCLatencyMode before = GCSettings.LatencyMode;
        GCSettings.LatencyMode = GCLatencyMode.Batch;
        try
        {
            context.Emit("throughput_batch_gc", Measure(n), "MB/s", (JsonObject)parameters.DeepClone());
        }
        finally
        {
            GCSettings.LatencyMode = before;
        }

        context.Emit("throughput_into", Measure(n, into: new byte[ItemBytes]), "MB/s", (JsonObject)parameters.DeepClone());
        context.Emit("throughput_lease", Measure(n, lease: true), "MB/s", (JsonObject)parameters.DeepClone());
    }

    public IReadOnlyList<string> PythonMetricsFor(string metric) => metric == "throughput" ? [metric] : [];

    private static double Measure(int n, byte[]? into = null, bool lease = false) =>
        n * (double)ItemBytes / 1e6 / QueueBench.SecondsForBytes(ItemBytes, n, into, lease);
}
