using System.Runtime.CompilerServices;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

// The consumers' side: reading a message under the read lock, in place or put back together.
internal sealed unsafe partial class Ring
{
    private nint ReadLockAddress => (nint)(&h->ReadLock);

    /// <summary>
    /// Waits for the next message. On <see cref="RingStatus.Ok"/> the message is in <paramref name="message"/>
    /// and the read lock is held: call <see cref="EndRead"/> once done with it (its span points into the ring).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was consumed.</exception>
    public RingStatus BeginRead(Deadline deadline, CancellationToken cancellationToken, out RingMessage message)
    {
        if (TryBeginReadNow(out message))
        {
            return RingStatus.Ok;
        }

        (RingStatus status, message) = Blocking.Wait(BeginReadBody<Blocking>(deadline, cancellationToken));
        return status;
    }

    /// <summary>
    /// The fast path of <see cref="BeginRead"/> and <see cref="BeginReadAsync"/>, outside any state machine: true,
    /// holding the read lock, if the lock was free and a whole message is at the head; otherwise false, having
    /// consumed nothing and released the lock.
    /// </summary>
    private bool TryBeginReadNow(out RingMessage message)
    {
        message = default;

        // Nothing in the ring (a hint, read without the lock): the reader will wait, so leave the lock alone.
        if (Volatile.Read(ref h->Tail) <= Volatile.Read(ref h->Head) || !LockCore.TryAcquire(&h->ReadLock))
        {
            return false;
        }

        var assembly = default(MessageAssembly);
        if (!ReadIsOpen() && RingReady() && *(int*)(data + (h->Head & mask) + 4) == KindWhole && Step(ref assembly, out message))
        {
            return true;
        }

        LockCore.Release(&h->ReadLock);
        return false;
    }

    /// <summary>Waits until a message can be read, without reading it: <see cref="RingStatus.Ok"/>, or why not.</summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public RingStatus WaitReadable(Deadline deadline, CancellationToken cancellationToken) =>
        DataReady() ? RingStatus.Ok : Blocking.Wait(Park<Blocking>(WaitTarget.Data, 0, deadline, cancellationToken));

    /// <summary>Frees the message handed out in place by <see cref="BeginRead"/> and releases the read lock.</summary>
    public void EndRead(in RingMessage message)
    {
        if (!message.InPlace)
        {
            return;
        }

        Consume(pendingSize, wholeMessage: true, wake: false);
        pendingSize = 0;
        LockCore.Release(&h->ReadLock); // A full fence between the head's move and the sleepers' read.
        WakeProducers();
    }

    private bool TryAcquireReadLock() => LockCore.TryAcquire(&h->ReadLock);

    private bool AcquireReadLock(Deadline deadline, CancellationToken cancellationToken) =>
        LockCore.Acquire(&h->ReadLock, deadline, cancellationToken, out _);

    private bool ReadIsOpen() => Volatile.Read(ref h->ReadOpen) != 0;

    private void ReleaseReadLock() => LockCore.Release(&h->ReadLock);

    /// <summary>Whether a message is there to read, in the ring or in the overflow.</summary>
    private bool DataReady() => RingReady() || OverflowHasMessages();

    /// <summary>Whether a record is there to read in the ring.</summary>
    private bool RingReady()
    {
        long head = h->Head;
        if (cachedTail > head)
        {
            return true;
        }

        cachedTail = Volatile.Read(ref h->Tail);
        return cachedTail > head;
    }

    /// <summary>Handles the record at the head; true when a whole message is ready in <paramref name="message"/>.</summary>
    private bool Step(ref MessageAssembly assembly, out RingMessage message)
    {
        message = default;
        long head = h->Head;
        byte* at = data + (head & mask);
        int length = *(int*)at;
        int kind = *(int*)(at + 4);
        byte* payload = at + RecordHeaderSize;
        long size = RecordSize(length);
        switch (kind)
        {
            case KindWhole:
                if (assembly.Active)
                {
                    assembly = default; // The partial message was abandoned by its producer: drop it.
                }

                Volatile.Write(ref h->ReadOpen, 0);
                pendingSize = size;
                message = new RingMessage(payload, length, null);
                return true;

            case KindFirst:
                long total = *(long*)payload;
                assembly = new MessageAssembly(new byte[total]);
                assembly.Append(new ReadOnlySpan<byte>(payload + sizeof(long), length - sizeof(long)));
                Volatile.Write(ref h->ReadOpen, 1);
                Consume(size, wholeMessage: false);
                return false;

            case KindMiddle:
            case KindLast:
                bool skipping = !assembly.Active;
                if (!skipping)
                {
                    assembly.Append(new ReadOnlySpan<byte>(payload, length));
                }

                if (kind == KindMiddle)
                {
                    Consume(size, wholeMessage: false);
                    return false;
                }

                // The end of a message: whole, or the rest of one a dead consumer had begun (counted as consumed).
                Volatile.Write(ref h->ReadOpen, 0);
                Consume(size, wholeMessage: true);
                if (skipping)
                {
                    return false;
                }

                message = new RingMessage(null, 0, assembly.Buffer);
                assembly = default;
                return true;

            case KindPad:
                Consume(size, wholeMessage: false);
                return false;

            case KindOverflowMarker:
                // The next message begins: the overflow's messages up to the marker's count come first.
                if (assembly.Active)
                {
                    assembly = default;
                }

                Volatile.Write(ref h->ReadOpen, 0);
                if (h->OverflowHead < *(long*)payload)
                {
                    return TakeFromOverflow(out message);
                }

                Consume(size, wholeMessage: false);
                return false;

            default:
                throw new InvalidDataException($"The shared ring is corrupt: record kind {kind} at offset {head & mask}.");
        }
    }

    /// <summary>Moves the head past a record; wakes sleeping producers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Consume(long size, bool wholeMessage, bool wake = true)
    {
        if (wholeMessage)
        {
            Volatile.Write(ref h->ItemsGot, h->ItemsGot + 1);
        }

        if (!wake)
        {
            Volatile.Write(ref h->Head, h->Head + size);
            return;
        }

        Interlocked.Exchange(ref h->Head, h->Head + size);
        WakeProducers();
    }

    /// <summary>
    /// A message has begun and its producer is writing the rest: wait for it, however long, unless the producer
    /// died or gave up, in which case mark the message abandoned so that it is dropped. Returns true
    /// when a record is ready; false if the open message can never be completed (drop it and read on).
    /// </summary>
    private bool WaitRestOfMessage()
    {
        while (!RingReady())
        {
            if (Volatile.Read(ref h->WriteOpen) == 0)
            {
                // No message is open on the producers' side (its last record or abort is out, read the tail
                // again), or, if nothing is left to read, the one begun is gone.
                if (RingReady())
                {
                    return true;
                }

                Volatile.Write(ref h->ReadOpen, 0);
                return false;
            }

            int writer = LockCore.Holder(&h->WriteLock);
            if (writer == 0 || !Liveness.IsAlive(writer))
            {
                // Nobody is writing: the message is abandoned. Take the write lock (over, if its holder died)
                // and close the message; another producer may also have closed it first.
                if (LockCore.Acquire(&h->WriteLock, Deadline.After(TimeSpan.Zero), CancellationToken.None, out _))
                {
                    try
                    {
                        AbandonOpenMessage();
                    }
                    finally
                    {
                        LockCore.Release(&h->WriteLock);
                    }
                }

                continue;
            }

            Interlocked.Increment(ref h->DataSleepers);
            try
            {
                int seq = ArmSeq(&h->DataSeq);
                if (!RingReady())
                {
                    FutexSleep.Sleep(&h->DataSeq, seq, Deadline.Never, writer, CancellationToken.None);
                }
            }
            finally
            {
                Interlocked.Decrement(ref h->DataSleepers);
            }
        }

        return true;
    }

    /// <summary>A fragmented message being put back together.</summary>
    private struct MessageAssembly(byte[] buffer)
    {
        private int filled;

        public readonly byte[]? Buffer => buffer;

        public readonly bool Active => buffer is not null;

        public void Append(ReadOnlySpan<byte> part)
        {
            part.CopyTo(buffer.AsSpan(filled));
            filled += part.Length;
        }
    }
}
