using System.Diagnostics;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>What W4, W5, W6 and the message-size sweep share.</summary>
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

    /// <summary>
    /// A child puts the same array of <paramref name="itemBytes"/> bytes (<c>(byte)i</c> at i) <paramref name="n"/>
    /// times into a <c>SharedQueue&lt;byte[]&gt;</c>; this process gets them all, each checked.
    /// </summary>
    /// <param name="itemBytes">The size of one item.</param>
    /// <param name="n">Items.</param>
    /// <param name="into">A buffer of <paramref name="itemBytes"/> to take every item into with <c>GetInto</c>; null for <c>Get</c>.</param>
    /// <param name="lease">Take every item with <c>GetLease</c> (a pooled array, disposed once checked) instead.</param>
    /// <returns>Seconds from the child's first put to the parent's last get.</returns>
    /// <exception cref="BenchException">An item came back wrong or the child failed.</exception>
    public static double SecondsForBytes(int itemBytes, int n, byte[]? into = null, bool lease = false)
    {
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>();
        using SharedValue<long> started = SharedValue.Create(0L);
        using ChildProcess child = ChildProcess.Start(Producer, queue, started, itemBytes, n);

        byte last = unchecked((byte)(itemBytes - 1));
        for (int i = 0; i < n; i++)
        {
            if (lease)
            {
                using System.Buffers.IMemoryOwner<byte>? owner = queue.GetLease();
                Span<byte> span = owner is null ? default : owner.Memory.Span;
                Check(span, i);
                continue;
            }

            byte[] got = into ?? queue.Get();
            int length = into is null ? got.Length : queue.GetInto(into);
            Check(got.AsSpan(0, Math.Max(length, 0)), i);
        }

        long end = Stopwatch.GetTimestamp();
        JoinChild(child);
        return Stopwatch.GetElapsedTime(started.Value, end).TotalSeconds;

        void Check(Span<byte> got, int i)
        {
            if (got.Length != itemBytes || got[itemBytes - 1] != last)
            {
                throw new BenchException($"item {i} came back with {got.Length} bytes");
            }

            got[itemBytes - 1] = unchecked((byte)(last + 1)); // so that the next item must bring its own
        }
    }

    private static void Producer(SharedQueue<byte[]> queue, SharedValue<long> started, int itemBytes, int n)
    {
        byte[] item = new byte[itemBytes];
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
