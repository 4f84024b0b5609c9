using System.Diagnostics;
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

/// <summary>W5 queue_large: as W4, with the same 1 MiB byte array put 200 times.</summary>
internal sealed class W5QueueLarge : IWorkload
{
    private const int ItemBytes = 1 << 20;

    public void Run(WorkloadContext context)
    {
        int n = context.Size(200);
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>();
        using SharedValue<long> started = SharedValue.Create(0L);
        using ChildProcess child = ChildProcess.Start(Producer, queue, started, n);

        for (int i = 0; i < n; i++)
        {
            byte[] got = queue.Get();
            if (got.Length != ItemBytes || got[ItemBytes - 1] != 255)
            {
                throw new BenchException($"item {i} came back with {got.Length} bytes");
            }
        }

        long end = Stopwatch.GetTimestamp();
        QueueBench.JoinChild(child);
        double seconds = Stopwatch.GetElapsedTime(started.Value, end).TotalSeconds;
        context.Emit(
            "throughput",
            n * (double)ItemBytes / 1e6 / seconds,
            "MB/s",
            new JsonObject { ["n"] = n, ["item_bytes"] = ItemBytes, ["mb"] = 1_000_000 });
    }

    private static void Producer(SharedQueue<byte[]> queue, SharedValue<long> started, int n)
    {
        byte[] item = new byte[ItemBytes];
        for (int i = 0; i < item.Length; i++)
        {
            item[i] = (byte)i;
        }

        started.Value = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            queue.Put(item);
        }
    }
}

/// <summary>What W4 and W5 share.</summary>
internal static class QueueBench
{
    public static void JoinChild(ChildProcess child)
    {
        child.Join();
        if (child.ExitCode != 0)
        {
            throw new BenchException($"the producer exited with {child.ExitCode}: {child.Exception}");
        }
    }
}
