using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;

namespace Multiprocessing;

public sealed partial class SharedQueue<T> : IQueueProbe
{
    /// <inheritdoc/>
    unsafe SharedQueueInfo? IQueueProbe.Probe()
    {
        if (!segment.TryEnter())
        {
            return null;
        }

        try
        {
            return new SharedQueueInfo(Name, TypeNames.Display(typeof(T)), ring.Count, ring.PendingBytes, ring.Header->Capacity, ring.OverflowItems, ring.OverflowBytes());
        }
        finally
        {
            segment.Leave();
        }
    }
}
