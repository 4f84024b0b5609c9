using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>What <see cref="Connection.Wait{T}"/> needs of a queue: ready when <c>Get</c> would not wait.</summary>
public sealed partial class SharedQueue<T>
{
    /// <inheritdoc/>
    bool IWaitReady.IsReady
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.WaitReadable(Deadline.After(TimeSpan.Zero), CancellationToken.None) != Messaging.RingStatus.Timeout;
        }
    }

    /// <inheritdoc/>
    async Task IWaitReady.WhenReadyAsync(CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        _ = await ring.WaitReadableAsync(Deadline.Never, cancellationToken).ConfigureAwait(false);
    }
}
