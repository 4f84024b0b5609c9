using System.Runtime.CompilerServices;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

// The producers' side: writing a message, whole or in fragments, under the write lock.
internal sealed unsafe partial class Ring
{
    /// <summary>Writes one message, waiting for room until <paramref name="deadline"/>.</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was delivered.</exception>
    public RingStatus Write(ReadOnlySpan<byte> message, Deadline deadline, CancellationToken cancellationToken) =>
        Write(default, message, deadline, cancellationToken);

    /// <summary>Writes one message made of <paramref name="head"/> then <paramref name="body"/> (so that a header need not be copied in front of a large body first).</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was delivered.</exception>
    public RingStatus Write(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, Deadline deadline, CancellationToken cancellationToken)
    {
        long length = (long)head.Length + body.Length;
        if (length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(body), "A message is at most 2 GiB.");
        }

        // Fast path: room now, no waiting.
        if (IsCompleted)
        {
            return RingStatus.Completed;
        }

        if (TryWriteNow(head, body, out RingStatus quick))
        {
            return quick;
        }

        fixed (byte* headAt = head)
        fixed (byte* bodyAt = body)
        {
            var message = new PinnedMessage(headAt, head.Length, bodyAt, body.Length);
            return Blocking.Wait(WriteBody<Blocking>(default, message, deadline, cancellationToken));
        }
    }

    private nint WriteLockAddress => (nint)(&h->WriteLock);

    private bool TryAcquireWriteLock() => LockCore.TryAcquire(&h->WriteLock);

    private bool AcquireWriteLock(Deadline deadline, CancellationToken cancellationToken) =>
        LockCore.Acquire(&h->WriteLock, deadline, cancellationToken, out _);

    /// <summary>Writes a small message if the lock is free and there is room right now; false if it would have to wait.</summary>
    public bool TryWriteNow(ReadOnlySpan<byte> message, out RingStatus status) => TryWriteNow(default, message, out status);

    /// <summary>Writes a small two-part message if the lock is free and there is room right now; false if it would have to wait.</summary>
    public bool TryWriteNow(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, out RingStatus status)
    {
        status = RingStatus.Ok;
        long length = (long)head.Length + body.Length;
        if (length > MaxWhole || !LockCore.TryAcquire(&h->WriteLock))
        {
            return false;
        }

        bool written = false;
        try
        {
            long size = RecordSize(length);
            if (Volatile.Read(ref h->WriteOpen) != 0 || OverflowUnmarked() || !ItemsRoom())
            {
                return false;
            }

            if (watchEnds && !AnyEnd(h->Readers))
            {
                status = RingStatus.PeerGone;
                return true;
            }

            if (!TryMakeRoom(size, out _))
            {
                return false; // (With a pad to the start of the buffer when the end is too close, as a write would.)
            }

            WriteWhole(head, body, size);
            written = true;
            return true;
        }
        finally
        {
            EndWrite(written);
        }
    }

    private void WriteWhole(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, long size)
    {
        long tail = h->Tail;
        byte* at = data + (tail & mask);
        byte* payload = at + RecordHeaderSize;
        head.CopyTo(new Span<byte>(payload, head.Length));
        body.CopyTo(new Span<byte>(payload + head.Length, body.Length));
        Publish(at, head.Length + body.Length, KindWhole, tail + size, wholeMessage: true, wake: false);
    }

    /// <summary>Releases the write lock; if a fragmented message was left open, wakes consumers so that one of them closes it.</summary>
    private void EndWrite(bool ok)
    {
        bool open = !ok && Volatile.Read(ref h->WriteOpen) != 0;
        LockCore.Release(&h->WriteLock); // A full fence between the tail's move and the sleepers' read.
        if (open)
        {
            WakeAll();
        }
        else
        {
            WakeConsumers();
        }
    }

    /// <summary>The kind, extra header bytes and payload bytes of the fragment starting at <paramref name="offset"/>.</summary>
    private (int Kind, int Header, int Length) NextFragment(int offset, int total)
    {
        if (offset == 0)
        {
            return (KindFirst, sizeof(long), (int)Math.Min(FragmentPayload - sizeof(long), total));
        }

        int n = (int)Math.Min(FragmentPayload, total - offset);
        return (offset + n == total ? KindLast : KindMiddle, 0, n);
    }

    private void WriteFragment(int kind, int header, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, int offset, int count, int total)
    {
        long tail = h->Tail;
        long size = RecordSize(header + count);
        byte* at = data + (tail & mask);
        byte* payload = at + RecordHeaderSize;
        if (kind == KindFirst)
        {
            *(long*)payload = total;
            Volatile.Write(ref h->WriteOpen, 1);
        }

        // The bytes [offset, offset + count) of head followed by body.
        var into = new Span<byte>(payload + header, count);
        if (offset < head.Length)
        {
            int fromHead = Math.Min(count, head.Length - offset);
            head.Slice(offset, fromHead).CopyTo(into);
            body[..(count - fromHead)].CopyTo(into[fromHead..]);
        }
        else
        {
            body.Slice(offset - head.Length, count).CopyTo(into);
        }

        Publish(at, header + count, kind, tail + size, wholeMessage: kind == KindLast);
        if (kind == KindLast)
        {
            // Only after the tail moved: a consumer that sees no open message finds the last record.
            Volatile.Write(ref h->WriteOpen, 0);
        }
    }

    /// <summary>
    /// Under the write lock: gives up a message a producer began and did not finish (it died, or its put timed
    /// out). Its parts stay in the ring; consumers drop them when the next message begins, or at once if they
    /// wait for the rest.
    /// </summary>
    private void AbandonOpenMessage()
    {
        if (Volatile.Read(ref h->WriteOpen) != 0)
        {
            Volatile.Write(ref h->WriteOpen, 0);
            WakeAll();
        }
    }

    /// <summary>Writes a record's header and moves the tail past it, making it visible; wakes sleeping consumers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Publish(byte* at, int length, int kind, long newTail, bool wholeMessage, bool wake = true)
    {
        *(int*)at = length;
        *(int*)(at + 4) = kind;
        if (wholeMessage)
        {
            Volatile.Write(ref h->ItemsPut, h->ItemsPut + 1);
        }

        if (!wake)
        {
            // The caller releases the write lock next (a full fence) and then wakes sleepers: see EndWrite.
            Volatile.Write(ref h->Tail, newTail);
            return;
        }

        // A full fence: the consumer registers as a sleeper and then reads the tail; we move the tail and then
        // read the sleepers. One of the two sees the other.
        Interlocked.Exchange(ref h->Tail, newTail);
        WakeConsumers();
    }

    /// <summary>True if a record of <paramref name="size"/> bytes can be written now (writing the pad if needed); otherwise the free bytes needed.</summary>
    private bool TryMakeRoom(long size, out long need)
    {
        long tail = h->Tail;
        long toEnd = capacity - (tail & mask);
        need = toEnd < size ? toEnd + size : size;
        if (!HasFree(tail, need))
        {
            return false;
        }

        if (toEnd < size)
        {
            Publish(data + (tail & mask), (int)(toEnd - RecordHeaderSize), KindPad, tail + toEnd, wholeMessage: false, wake: false);
        }

        return true;
    }

    private bool HasFree(long tail, long need)
    {
        if (capacity - (tail - cachedHead) >= need)
        {
            return true;
        }

        cachedHead = Volatile.Read(ref h->Head);
        return capacity - (tail - cachedHead) >= need;
    }

    private bool ItemsRoom()
    {
        int max = h->MaxItems;
        return max == 0 || h->ItemsPut - Volatile.Read(ref h->ItemsGot) < max;
    }

    private static long RecordSize(long payload) => RecordHeaderSize + ((payload + 7) & ~7L);

    private bool WriteIsOpen() => Volatile.Read(ref h->WriteOpen) != 0;

    private bool NoReaderEnd() => watchEnds && !AnyEnd(h->Readers);

    /// <summary>A message to write, made of a head and a body, pinned for as long as a write body uses it (no span can be kept across an <c>await</c>).</summary>
    private readonly struct PinnedMessage(byte* head, int headLength, byte* body, int bodyLength)
    {
        public ReadOnlySpan<byte> Head => new(head, headLength);

        public ReadOnlySpan<byte> Body => new(body, bodyLength);

        public int Length => headLength + bodyLength;

        /// <summary>A message made of a body only, pinned by <paramref name="pin"/>.</summary>
        public static PinnedMessage Of(in System.Buffers.MemoryHandle pin, int length) => new(null, 0, (byte*)pin.Pointer, length);
    }
}
