using System.Runtime.CompilerServices;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

// The overflow: a message that finds no room and no consumer moving goes to a file (see the remarks on Ring).
internal sealed unsafe partial class Ring
{
    /// <summary>
    /// Under the write lock, no room: whether to overflow now — the consumers have not moved since a producer last
    /// found them stuck and the overflow still holds messages, or they have stood still for <see cref="OverflowAfter"/>
    /// during this wait, or the deadline passed.
    /// </summary>
    private bool ShouldOverflow(ref Stall stall, Deadline deadline)
    {
        long progress = ConsumerProgress();
        bool stuck = (progress == h->OverflowStuckAt && h->OverflowTail != Volatile.Read(ref h->OverflowHead))
            || stall.Stuck(progress, deadline);
        if (stuck)
        {
            h->OverflowStuckAt = progress;
        }

        return stuck;
    }

    /// <summary>How far the consumers have got, ring and overflow together: it changes whenever one takes something.</summary>
    private long ConsumerProgress() => Volatile.Read(ref h->Head) + Volatile.Read(ref h->OverflowHead);

    /// <summary>A producer's wait for room, watching whether the consumers move.</summary>
    private struct Stall
    {
        private long progress;
        private bool started;

        /// <summary>When to give up on the ring if the consumers do not move before.</summary>
        public Deadline Until { get; private set; }

        /// <summary>True once the consumers have stood still for <see cref="OverflowAfter"/>, or <paramref name="deadline"/> passed.</summary>
        public bool Stuck(long now, Deadline deadline)
        {
            if (!started || now != progress)
            {
                started = true;
                progress = now;
                Until = Deadline.After(OverflowAfter);
            }
            else if (Until.Expired)
            {
                return true;
            }

            return deadline.Expired;
        }
    }

    /// <summary>Whether messages may have gone to the overflow since the last marker (one read of this side's line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool OverflowUnmarked() => overflow && h->OverflowTail != h->OverflowMarked;

    /// <summary>Under the write lock, before a message goes to the ring: whether a marker must precede it (the overflow holds messages that must be read first).</summary>
    private bool NeedsMarker()
    {
        if (!OverflowUnmarked())
        {
            return false;
        }

        long overflowTail = h->OverflowTail;
        if (Volatile.Read(ref h->OverflowHead) == overflowTail)
        {
            h->OverflowMarked = overflowTail; // The overflow is empty: nothing to read first.
            return false;
        }

        return true;
    }

    /// <summary>Under the write lock, room made: writes a marker saying that the overflow's messages up to the current tail come before what follows.</summary>
    private void WriteMarker()
    {
        long tail = h->Tail;
        byte* at = data + (tail & mask);
        long overflowTail = h->OverflowTail;
        *(long*)(at + RecordHeaderSize) = overflowTail;
        Publish(at, sizeof(long), KindOverflowMarker, tail + MarkerSize, wholeMessage: false, wake: false);
        h->OverflowMarked = overflowTail;
    }

    /// <summary>Under the write lock: writes the message, whole, to the next overflow file and publishes it; abandons its parts in the ring if it had begun there.</summary>
    /// <exception cref="IOException">The file could not be written; nothing was queued.</exception>
    private void WriteToOverflow(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        AbandonOpenMessage();
        long k = h->OverflowTail;
        OverflowFiles.Write(overflowPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture), head, body);
        Volatile.Write(ref h->ItemsPut, h->ItemsPut + 1);
        Volatile.Write(ref h->OverflowTail, k + 1); // EndWrite's lock release then wakes sleeping consumers.
    }

    /// <summary>Whether the overflow holds messages (read when the ring looks empty: the producers' line is being read anyway).</summary>
    private bool OverflowHasMessages() => overflow && Volatile.Read(ref h->OverflowTail) != Volatile.Read(ref h->OverflowHead);

    /// <summary>
    /// Under the read lock, no message open: whether the next message is in the overflow, the ring being empty. The
    /// overflow's tail is read before the ring's: a message the ring received before an overflowed message seen here is
    /// then seen too.
    /// </summary>
    private bool OverflowIsNext()
    {
        if (!overflow || Volatile.Read(ref h->OverflowTail) == h->OverflowHead)
        {
            return false;
        }

        cachedTail = Volatile.Read(ref h->Tail);
        return cachedTail <= h->Head;
    }

    /// <summary>Under the read lock: takes overflowed message <c>OverflowHead</c> into <paramref name="message"/>; false if its file is gone (it is counted as taken).</summary>
    private bool TakeFromOverflow(out RingMessage message)
    {
        long k = h->OverflowHead;
        string path = overflowPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[]? bytes;
        try
        {
            bytes = OverflowFiles.Read(path);
        }
        catch (InvalidDataException)
        {
            // Damaged from outside (a producer publishes a file only once it is whole): this consumer is told, and
            // the file is taken, so that the queue goes on with the next message.
            PassOverflowFile(k, path);
            throw;
        }

        PassOverflowFile(k, path);
        message = bytes is null ? default : new RingMessage(null, 0, bytes);
        return bytes is not null;
    }

    /// <summary>Under the read lock: counts overflow file <paramref name="k"/> as taken, moves past it and removes it.</summary>
    private void PassOverflowFile(long k, string path)
    {
        Volatile.Write(ref h->ItemsGot, h->ItemsGot + 1);
        Interlocked.Exchange(ref h->OverflowHead, k + 1);
        WakeProducers();
        OverflowFiles.Remove(path);
    }
}
