using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Workloads;

namespace Multiprocessing.Bench.Sweeps;

/// <summary>
/// W4/W5 by message size: as W5 (a child puts one <c>byte[]</c> n times, the parent gets them all), with items of
/// 16 B to 1 MiB; µs per message, with <c>Get</c> (a new array per item, CPython's shape) and with <c>GetInto</c>
/// (one reused buffer). n is as many items as fit in 128 MiB, between 200 and 100,000 (a tenth with --quick).
/// </summary>
internal sealed class QueueMessageSizeSweep : ISizeSweep
{
    private static readonly int[] ItemSizes = [16, 256, 4 << 10, 64 << 10, 1 << 20];

    public string Name => "w4_w5_queue_by_message_size";

    public string Title => "W4/W5 queue, by message size";

    public string XName => "bytes";

    public IReadOnlyList<string> WorkloadIds => ["w4", "w5"];

    public void Run(Sizes sizes, SweepPoint point)
    {
        foreach (int bytes in ItemSizes)
        {
            int n = sizes.Of(Math.Clamp((128 << 20) / bytes, 200, 100_000));
            point("get", bytes, QueueBench.SecondsForBytes(bytes, n) * 1e6 / n, "us/msg", n);
            point("get_into", bytes, QueueBench.SecondsForBytes(bytes, n, into: new byte[bytes]) * 1e6 / n, "us/msg", n);
        }
    }
}
