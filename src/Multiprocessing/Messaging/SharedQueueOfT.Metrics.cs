using Multiprocessing.Diagnostics;
using Multiprocessing.Messaging;

namespace Multiprocessing;

/// <summary>What the queue's observable metrics read (see <see cref="QueueMetrics"/>).</summary>
public sealed partial class SharedQueue<T> : IQueueGauge
{
    /// <inheritdoc/>
    unsafe bool IQueueGauge.TryMeasure(out long items, out long overflowBytes)
    {
        items = 0;
        overflowBytes = 0;
        if (!segment.TryEnter())
        {
            return false;
        }

        try
        {
            items = ring.Count;
            long head = Volatile.Read(ref ring.Header->OverflowHead);
            long tail = Volatile.Read(ref ring.Header->OverflowTail);
            if (tail > head)
            {
                string prefix = OverflowFiles.PrefixFor(segment.Path, segment.Header.Id);
                for (long k = head; k < tail; k++)
                {
                    var file = new FileInfo(prefix + k);
                    overflowBytes += file.Exists ? file.Length : 0; // A consumer may have taken it meanwhile.
                }
            }

            return true;
        }
        finally
        {
            segment.Leave();
        }
    }
}
