using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

/// <summary>What a ring operation ended with.</summary>
internal enum RingStatus
{
    /// <summary>Done.</summary>
    Ok,

    /// <summary>The deadline passed first; nothing was written or consumed.</summary>
    Timeout,

    /// <summary>The other side is gone: no process holds the reading end (when writing) or the writing end (when reading, once the ring is empty).</summary>
    PeerGone,

    /// <summary>The ring was marked complete and (when reading) is empty.</summary>
    Completed,

    /// <summary>Inside a write only: the message goes to the overflow (no room and no consumer moving). Never returned by <see cref="Ring.Write(ReadOnlySpan{byte}, Deadline, CancellationToken)"/>.</summary>
    Overflow,
}
