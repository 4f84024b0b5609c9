using System.Numerics;
using System.Runtime.CompilerServices;
using Multiprocessing.Interop;
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

    /// <summary>Inside a write only: the message goes to the overflow chain (no room and no consumer moving). Never returned by <see cref="Ring.Write(ReadOnlySpan{byte}, Deadline, CancellationToken)"/>.</summary>
    Overflow,
}

/// <summary>
/// A message ring in shared memory: many producers and many consumers in any processes, messages of any size kept
/// whole. A producer holds the write lock while it writes a message and publishes it by moving the tail; a
/// consumer holds the read lock while it reads one and frees it by moving the head. Waiting spins briefly, then
/// sleeps on a futex; a process only makes a wake-up system call when someone sleeps.
/// </summary>
/// <remarks>
/// <para>Records are 8-byte aligned: a header (payload length, kind), then the payload. A message that fits in half
/// the ring is one <c>Whole</c> record, read in place; a larger one is cut in <c>First</c>/<c>Middle</c>/<c>Last</c>
/// fragments of a quarter ring each, so that it streams through while the consumer copies it out, and is
/// delivered whole. A record never wraps: the end of the buffer is skipped by a <c>Pad</c> record.</para>
/// <para>Faults: nothing is visible before the tail moves, so a producer that dies while writing a record leaves
/// nothing behind; one that dies (or gives up) between fragments leaves the message open, and whoever comes
/// next — the next producer, or the consumer waiting for the rest — marks it abandoned: consumers drop its
/// parts when the next message begins, or at once if they are waiting for the rest. A consumer that dies part-way through a message leaves the read side
/// open; the next consumer skips the rest of that message. Locks whose holder died are taken over
/// (<see cref="LockCore"/>).</para>
/// <para>Overflow (queues created with it; never pipes): a producer that finds no room waits while consumers make
/// progress, but once no consumer has moved for <see cref="OverflowAfter"/> (or its own deadline passed) it
/// writes the message, whole, to the next file of an overflow chain (<see cref="SpillFiles"/>) instead:
/// <c>SpillTail</c> counts the files written, <c>SpillHead</c> the files read; so the ring's bytes are not a bound
/// and a put never waits for a reader. A fragmented message caught that way is abandoned (as above) and spilled
/// whole. Order: consumers read the ring first and the chain when the ring is empty, and a producer that writes to
/// the ring while the chain may hold messages first writes a <c>Spill</c> marker record saying how many chain
/// messages precede what follows it in the ring; a consumer reaching the marker reads the chain up to there
/// before reading on. So messages are taken in the order their puts took the write lock, and once the consumers
/// catch up, producers use the ring again. A chain file is published by moving <c>SpillTail</c> after it is
/// written, so a producer that dies while writing one leaves an orphan file that the next spill overwrites or
/// the segment's removal deletes; a consumer reads the file, moves <c>SpillHead</c>, then deletes it, so one
/// that dies while reading leaves the message in the queue for the next consumer.</para>
/// </remarks>
internal sealed unsafe partial class Ring
{
    /// <summary>Smallest data area.</summary>
    public const long MinCapacity = 4096;

    private const int RecordHeaderSize = 8;
    private const int KindWhole = 1;
    private const int KindFirst = 2;
    private const int KindMiddle = 3;
    private const int KindLast = 4;
    private const int KindPad = 5;
    private const int KindSpill = 6;
    private const long MarkerSize = RecordHeaderSize + sizeof(long);

    /// <summary>
    /// How long a producer that finds no room waits with no consumer moving (neither the head nor the chain's
    /// head) before it puts the message in the overflow chain: long enough that a consumer that is merely slower
    /// keeps the producer on the ring, short enough that a queue nobody reads never blocks a put noticeably.
    /// </summary>
    public static readonly TimeSpan OverflowAfter = TimeSpan.FromMilliseconds(20);
    private const int SpinIterations = 40;

    private readonly RingHeader* h;
    private readonly byte* data;
    private readonly long capacity;
    private readonly long mask;
    private readonly bool watchEnds;
    private readonly bool overflow;
    private readonly string? spillPrefix;

    // Pipe mode: the holders of the other end, watched while this process holds its end (see PeerWatch).
    private PeerWatch? dataPeers;
    private PeerWatch? roomPeers;

    // Lower bounds of the other side's position, so that the common case reads only this side's cache line.
    private long cachedHead;
    private long cachedTail;

    // The message being handed out in place by BeginRead, until EndRead.
    private long pendingSize;

    /// <summary>Attaches to a ring initialized at <paramref name="at"/>.</summary>
    /// <param name="at">The ring's header, followed by its data area.</param>
    /// <param name="watchEnds">Pipe mode: readers see the end of the stream when no live process holds the writing end, and writers fail when no live process holds the reading end.</param>
    /// <param name="spillPrefix">Where the overflow chain's files go (<see cref="SpillFiles.PrefixFor"/>), for a ring initialized with overflow; null for none.</param>
    public Ring(nint at, bool watchEnds, string? spillPrefix = null)
    {
        h = (RingHeader*)at;
        data = (byte*)at + RingHeader.Size;
        capacity = h->Capacity;
        mask = capacity - 1;
        this.watchEnds = watchEnds;
        overflow = !watchEnds && spillPrefix is not null && h->Overflow != 0;
        this.spillPrefix = overflow ? spillPrefix : null;
    }

    /// <summary>Largest payload written as a single record.</summary>
    private long MaxWhole => (capacity / 2) - RecordHeaderSize;

    /// <summary>Payload of one fragment of a large message.</summary>
    private long FragmentPayload => (capacity / 4) - RecordHeaderSize;

    /// <summary>Messages committed and not yet consumed.</summary>
    public long Count => Math.Max(0, Volatile.Read(ref h->ItemsPut) - Volatile.Read(ref h->ItemsGot));

    /// <summary>Bytes written and not yet consumed, whole messages or not.</summary>
    public long PendingBytes => Volatile.Read(ref h->Tail) - Volatile.Read(ref h->Head);

    /// <summary>Whether the ring has been marked complete.</summary>
    public bool IsCompleted => Volatile.Read(ref h->Completed) != 0;

    /// <summary>The header, for the joinable counters and the end slots.</summary>
    public RingHeader* Header => h;

    /// <summary>Bytes needed for a ring with a data area of <paramref name="capacity"/> bytes.</summary>
    public static long BytesFor(long capacity) => RingHeader.Size + capacity;

    /// <summary>The capacity to use for a requested size: a power of two, at least <see cref="MinCapacity"/>.</summary>
    public static long CapacityFor(long requested) =>
        (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(MinCapacity, requested));

    /// <summary>Initializes a ring in zeroed shared memory.</summary>
    /// <param name="at">The ring's header.</param>
    /// <param name="capacity">Bytes of its data area.</param>
    /// <param name="maxItems">Most messages at once; 0 for no bound.</param>
    /// <param name="overflow">Whether messages that find no room go to the overflow chain rather than wait (see the remarks).</param>
    public static void Initialize(nint at, long capacity, int maxItems, bool overflow = false)
    {
        var h = (RingHeader*)at;
        h->Capacity = capacity;
        h->MaxItems = maxItems;
        h->Overflow = overflow ? 1 : 0;
    }

    /// <summary>Marks the ring complete and wakes every waiter.</summary>
    public void Complete()
    {
        Volatile.Write(ref h->Completed, 1);
        WakeAll();
    }

    /// <summary>Wakes every consumer and producer, so that they look again (after an end closed, or completion).</summary>
    public void WakeAll()
    {
        Interlocked.Increment(ref h->DataSeq);
        Libc.FutexWake(&h->DataSeq, int.MaxValue);
        Interlocked.Increment(ref h->SpaceSeq);
        Libc.FutexWake(&h->SpaceSeq, int.MaxValue);
    }

    // ------------------------------------------------------------------ writing

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

        if (IsCompleted)
        {
            return RingStatus.Completed;
        }

        if (!LockCore.TryAcquire(&h->WriteLock) && !LockCore.Acquire(&h->WriteLock, deadline, cancellationToken, out _))
        {
            return RingStatus.Timeout;
        }

        bool ok = false;
        try
        {
            RingStatus status = BeginWrite(deadline, cancellationToken);
            if (status != RingStatus.Ok)
            {
                return status;
            }

            if (NeedsMarker())
            {
                status = WaitForRoom(MarkerSize, deadline, cancellationToken);
                if (status == RingStatus.Ok)
                {
                    WriteMarker();
                }
            }

            if (status == RingStatus.Ok)
            {
                if (length <= MaxWhole)
                {
                    long size = RecordSize(length);
                    status = WaitForRoom(size, deadline, cancellationToken);
                    if (status == RingStatus.Ok)
                    {
                        WriteWhole(head, body, size);
                    }
                }
                else
                {
                    status = WriteFragments(head, body, deadline, cancellationToken);
                }
            }

            if (status == RingStatus.Overflow)
            {
                Spill(head, body);
                status = RingStatus.Ok;
            }

            ok = status == RingStatus.Ok;
            return status;
        }
        finally
        {
            EndWrite(ok);
        }
    }

    private nint WriteLockAddress => (nint)(&h->WriteLock);

    private nint ReadLockAddress => (nint)(&h->ReadLock);

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
            if (Volatile.Read(ref h->WriteOpen) != 0 || ChainUnmarked() || !ItemsRoom())
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

    /// <summary>Under the write lock: closes a message left open by a producer that died or gave up, and waits for an item slot.</summary>
    private RingStatus BeginWrite(Deadline deadline, CancellationToken cancellationToken)
    {
        AbandonOpenMessage();

        if (watchEnds && !AnyEnd(h->Readers))
        {
            return RingStatus.PeerGone;
        }

        while (!ItemsRoom())
        {
            RingStatus status = Park(Wait.Items, 0, deadline, cancellationToken);
            if (status != RingStatus.Ok)
            {
                return status;
            }
        }

        return RingStatus.Ok;
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

    private RingStatus WriteFragments(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, Deadline deadline, CancellationToken cancellationToken)
    {
        int total = head.Length + body.Length;
        int offset = 0;
        while (offset < total)
        {
            (int kind, int header, int n) = NextFragment(offset, total);
            RingStatus status = WaitForRoom(RecordSize(header + n), deadline, cancellationToken);
            if (status != RingStatus.Ok)
            {
                return status;
            }

            WriteFragment(kind, header, head, body, offset, n, total);
            offset += n;
        }

        return RingStatus.Ok;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeConsumers()
    {
        if (Volatile.Read(ref h->DataSleepers) > 0)
        {
            Interlocked.Increment(ref h->DataSeq);
            Libc.FutexWake(&h->DataSeq, int.MaxValue);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeProducers()
    {
        if (Volatile.Read(ref h->SpaceSleepers) > 0)
        {
            Interlocked.Increment(ref h->SpaceSeq);
            Libc.FutexWake(&h->SpaceSeq, int.MaxValue);
        }
    }

    /// <summary>
    /// Under the write lock: waits until <paramref name="size"/> contiguous bytes are free at the tail, padding to
    /// the start if the end is too close. With overflow: <see cref="RingStatus.Overflow"/> instead of waiting on
    /// once no consumer has moved for <see cref="OverflowAfter"/>, or once <paramref name="deadline"/> passed.
    /// </summary>
    private RingStatus WaitForRoom(long size, Deadline deadline, CancellationToken cancellationToken)
    {
        var stall = default(Stall);
        while (true)
        {
            if (TryMakeRoom(size, out long need))
            {
                return RingStatus.Ok;
            }

            if (overflow && ShouldOverflow(ref stall, deadline))
            {
                return RingStatus.Overflow;
            }

            RingStatus status = Park(Wait.Room, need, overflow ? deadline.Earlier(stall.Until) : deadline, cancellationToken);
            if (status == RingStatus.Timeout && overflow)
            {
                continue; // Stuck decides.
            }

            if (status != RingStatus.Ok)
            {
                return status;
            }
        }
    }

    /// <summary>
    /// Under the write lock, no room: whether to overflow now — the consumers have not moved since a producer last
    /// found them stuck and the chain still holds messages, or they have stood still for <see cref="OverflowAfter"/>
    /// during this wait, or the deadline passed.
    /// </summary>
    private bool ShouldOverflow(ref Stall stall, Deadline deadline)
    {
        long progress = ConsumerProgress();
        bool stuck = (progress == h->SpillStuckAt && h->SpillTail != Volatile.Read(ref h->SpillHead))
            || stall.Stuck(progress, deadline);
        if (stuck)
        {
            h->SpillStuckAt = progress;
        }

        return stuck;
    }

    /// <summary>How far the consumers have got, ring and chain together: it changes whenever one takes something.</summary>
    private long ConsumerProgress() => Volatile.Read(ref h->Head) + Volatile.Read(ref h->SpillHead);

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

    // ------------------------------------------------------------------ overflow chain

    /// <summary>Whether messages may have gone to the chain since the last marker (one read of this side's line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ChainUnmarked() => overflow && h->SpillTail != h->SpillMarked;

    /// <summary>Under the write lock, before a message goes to the ring: whether a marker must precede it (the chain holds messages that must be read first).</summary>
    private bool NeedsMarker()
    {
        if (!ChainUnmarked())
        {
            return false;
        }

        long spillTail = h->SpillTail;
        if (Volatile.Read(ref h->SpillHead) == spillTail)
        {
            h->SpillMarked = spillTail; // The chain is empty: nothing to read first.
            return false;
        }

        return true;
    }

    /// <summary>Under the write lock, room made: writes a marker saying that the chain's messages up to the current tail come before what follows.</summary>
    private void WriteMarker()
    {
        long tail = h->Tail;
        byte* at = data + (tail & mask);
        long spillTail = h->SpillTail;
        *(long*)(at + RecordHeaderSize) = spillTail;
        Publish(at, sizeof(long), KindSpill, tail + MarkerSize, wholeMessage: false, wake: false);
        h->SpillMarked = spillTail;
    }

    /// <summary>Under the write lock: writes the message, whole, to the next chain file and publishes it; abandons its parts in the ring if it had begun there.</summary>
    /// <exception cref="IOException">The file could not be written; nothing was queued.</exception>
    private void Spill(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        AbandonOpenMessage();
        long k = h->SpillTail;
        SpillFiles.Write(spillPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture), head, body);
        Volatile.Write(ref h->ItemsPut, h->ItemsPut + 1);
        Volatile.Write(ref h->SpillTail, k + 1); // EndWrite's lock release then wakes sleeping consumers.
    }

    /// <summary>Whether the chain holds messages (read when the ring looks empty: the producers' line is being read anyway).</summary>
    private bool ChainHasMessages() => overflow && Volatile.Read(ref h->SpillTail) != Volatile.Read(ref h->SpillHead);

    /// <summary>
    /// Under the read lock, no message open: whether the next message is in the chain, the ring being empty. The
    /// chain's tail is read before the ring's: a message the ring received before a chain message seen here is
    /// then seen too.
    /// </summary>
    private bool ChainIsNext()
    {
        if (!overflow || Volatile.Read(ref h->SpillTail) == h->SpillHead)
        {
            return false;
        }

        cachedTail = Volatile.Read(ref h->Tail);
        return cachedTail <= h->Head;
    }

    /// <summary>Under the read lock: takes chain message <c>SpillHead</c> into <paramref name="message"/>; false if its file is gone (it is counted as taken).</summary>
    private bool TakeFromChain(out RingMessage message)
    {
        long k = h->SpillHead;
        string path = spillPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[]? bytes;
        try
        {
            bytes = SpillFiles.Read(path);
        }
        catch (InvalidDataException)
        {
            // Damaged from outside (a producer publishes a file only once it is whole): this consumer is told, and
            // the file is taken, so that the queue goes on with the next message.
            PassChainFile(k, path);
            throw;
        }

        PassChainFile(k, path);
        message = bytes is null ? default : new RingMessage(null, 0, bytes);
        return bytes is not null;
    }

    /// <summary>Under the read lock: counts chain file <paramref name="k"/> as taken, moves past it and removes it.</summary>
    private void PassChainFile(long k, string path)
    {
        Volatile.Write(ref h->ItemsGot, h->ItemsGot + 1);
        Interlocked.Exchange(ref h->SpillHead, k + 1);
        WakeProducers();
        SpillFiles.Remove(path);
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

    // ------------------------------------------------------------------ reading

    /// <summary>
    /// Waits for the next message. On <see cref="RingStatus.Ok"/> the message is in <paramref name="message"/>
    /// and the read lock is held: call <see cref="EndRead"/> once done with it (its span points into the ring).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was consumed.</exception>
    public RingStatus BeginRead(Deadline deadline, CancellationToken cancellationToken, out RingMessage message)
    {
        message = default;
        if (!LockCore.TryAcquire(&h->ReadLock) && !LockCore.Acquire(&h->ReadLock, deadline, cancellationToken, out _))
        {
            return RingStatus.Timeout;
        }

        bool keep = false;
        try
        {
            var assembly = default(Assembly);
            while (true)
            {
                if (!RingReady())
                {
                    if (assembly.Active || ReadIsOpen())
                    {
                        if (!WaitRestOfMessage())
                        {
                            assembly = default;
                        }

                        continue;
                    }

                    if (ChainIsNext())
                    {
                        if (TakeFromChain(out message))
                        {
                            return RingStatus.Ok;
                        }

                        continue;
                    }

                    RingStatus status = Park(Wait.Data, 0, deadline, cancellationToken);
                    if (status != RingStatus.Ok)
                    {
                        return status;
                    }

                    continue;
                }

                if (Step(ref assembly, out message))
                {
                    keep = message.InPlace;
                    return RingStatus.Ok;
                }
            }
        }
        finally
        {
            if (!keep)
            {
                LockCore.Release(&h->ReadLock);
            }
        }
    }

    /// <summary>Waits until a message can be read, without reading it: <see cref="RingStatus.Ok"/>, or why not.</summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public RingStatus WaitReadable(Deadline deadline, CancellationToken cancellationToken) =>
        DataReady() ? RingStatus.Ok : Park(Wait.Data, 0, deadline, cancellationToken);

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

    private bool WriteIsOpen() => Volatile.Read(ref h->WriteOpen) != 0;

    private bool NoReaderEnd() => watchEnds && !AnyEnd(h->Readers);

    private bool TryAcquireReadLock() => LockCore.TryAcquire(&h->ReadLock);

    private int ReadSeq(Wait what) => Volatile.Read(ref what == Wait.Data ? ref h->DataSeq : ref h->SpaceSeq);

    private bool ReadIsOpen() => Volatile.Read(ref h->ReadOpen) != 0;

    private void ReleaseReadLock() => LockCore.Release(&h->ReadLock);

    /// <summary>Whether a message is there to read, in the ring or in the overflow chain.</summary>
    private bool DataReady() => RingReady() || ChainHasMessages();

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
    private bool Step(ref Assembly assembly, out RingMessage message)
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
                assembly = new Assembly(new byte[total]);
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

            case KindSpill:
                // The next message begins: the chain's messages up to the marker's count come first.
                if (assembly.Active)
                {
                    assembly = default;
                }

                Volatile.Write(ref h->ReadOpen, 0);
                if (h->SpillHead < *(long*)payload)
                {
                    return TakeFromChain(out message);
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
                int seq = Volatile.Read(ref h->DataSeq);
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

    // ------------------------------------------------------------------ waiting

    internal enum Wait
    {
        Data,
        Room,
        Items,
    }

    private bool Ready(Wait what, long need) => what switch
    {
        Wait.Data => DataReady() || IsCompleted,
        Wait.Room => HasFree(h->Tail, need) || IsCompleted,
        _ => ItemsRoom() || IsCompleted,
    };

    /// <summary>Spins briefly, then sleeps until <paramref name="what"/> may be ready; says why it stopped waiting.</summary>
    /// <remarks>The spin stays outside any state machine; the sleep is <see cref="Sleep{TMode}"/>, shared with <see cref="ParkAsync"/>.</remarks>
    private RingStatus Park(Wait what, long need, Deadline deadline, CancellationToken cancellationToken) =>
        Spin(what, need) is { } ready ? ready : Blocking.Wait(Sleep<Blocking>(what, need, deadline, cancellationToken));

    /// <summary>Spins briefly: the settled status if <paramref name="what"/> became ready meanwhile, else null.</summary>
    private RingStatus? Spin(Wait what, long need)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Ready(what, need))
            {
                return Settle(what, need);
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return null;
    }

    private nint SeqAddress(Wait what) => what == Wait.Data ? (nint)(&h->DataSeq) : (nint)(&h->SpaceSeq);

    private void AddSleeper(Wait what, int delta) =>
        Interlocked.Add(ref what == Wait.Data ? ref h->DataSleepers : ref h->SpaceSleepers, delta);

    /// <summary>What a wait that found its condition ends with: data beats completion, completion beats room.</summary>
    private RingStatus Settle(Wait what, long need) => what switch
    {
        Wait.Data => DataReady() ? RingStatus.Ok : RingStatus.Completed,
        Wait.Room => IsCompleted ? RingStatus.Completed : RingStatus.Ok,
        _ => IsCompleted ? RingStatus.Completed : RingStatus.Ok,
    };

    /// <summary>In pipe mode, whether the other end is gone: no live writer for a reader (once empty), no live reader for a writer.</summary>
    private RingStatus? PeerCheck(Wait what)
    {
        if (!watchEnds)
        {
            return null;
        }

        int* ends = what == Wait.Data ? h->Writers : h->Readers;
        return AnyLiveEnd(ends) ? null : RingStatus.PeerGone;
    }

    /// <summary>In pipe mode, brings the watched holders of the other end up to date (see <see cref="PeerWatch.Update"/>); false if one is dead.</summary>
    private bool UpdatePeers(Wait what, out DeathWatch.Registration[] watches) => PeersOf(what).Update(EndsOf(what), out watches);

    /// <summary>In pipe mode, the slots of the other end: the writers for a reader's wait, the readers for a writer's.</summary>
    private int* EndsOf(Wait what) => what == Wait.Data ? h->Writers : h->Readers;

    /// <summary>In pipe mode, the watched holders of the other end, whose death wakes a wait for <paramref name="what"/>.</summary>
    private PeerWatch PeersOf(Wait what)
    {
        ref PeerWatch? peers = ref what == Wait.Data ? ref dataPeers : ref roomPeers;
        if (Volatile.Read(ref peers) is { } existing)
        {
            return existing;
        }

        var made = new PeerWatch(SeqAddress(what));
        return Interlocked.CompareExchange(ref peers, made, null) ?? made;
    }

    // ------------------------------------------------------------------ pipe ends

    /// <summary>
    /// Registers this process as a holder of the writing (or reading) end. <paramref name="inTransitFrom"/> is the
    /// pid of the process that sent this end here (0 if none): the slot it reserved is taken over. Then wakes the
    /// other side: a sleeper there watches the holders it saw before it slept (the sender, for a reservation), and
    /// must look again to watch this process, or it would not be woken when this process dies holding the end.
    /// </summary>
    /// <exception cref="InvalidOperationException">Too many open handles of that end.</exception>
    public void AttachEnd(bool writer, int inTransitFrom = 0)
    {
        TakeEndSlot(writer ? h->Writers : h->Readers, inTransitFrom);
        WakeAll(); // After the slot is written: a sleeper that read the sequence before this sees the slot, or is woken.
    }

    private static void TakeEndSlot(int* ends, int inTransitFrom)
    {
        // A reservation addressed to this process (see AddressReservation), else one still in the sender's name.
        if (inTransitFrom != 0 && (ReplaceEndSlot(ends, -LockCore.Me, LockCore.Me) || ReplaceEndSlot(ends, -inTransitFrom, LockCore.Me)))
        {
            return;
        }

        if (ReplaceEndSlot(ends, 0, LockCore.Me))
        {
            return;
        }

        // Slots of dead processes can be reused.
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            int pid = Volatile.Read(ref ends[i]);
            if (pid != 0 && !Liveness.IsAlive(Math.Abs(pid)) && Interlocked.CompareExchange(ref ends[i], LockCore.Me, pid) == pid)
            {
                return;
            }
        }

        throw new InvalidOperationException($"This pipe end is open in {RingHeader.MaxEnds} places already.");
    }

    /// <summary>
    /// Reserves a slot of the writing (or reading) end for a process this end is being sent to: until it attaches,
    /// the end counts as held as long as this process lives, or, once the reservation is addressed to the receiver
    /// (<see cref="AddressReservation"/>), as long as the receiver lives.
    /// </summary>
    public void ReserveEnd(bool writer)
    {
        if (ReplaceEndSlot(writer ? h->Writers : h->Readers, 0, -LockCore.Me))
        {
            return;
        }

        throw new InvalidOperationException($"This pipe end is open in {RingHeader.MaxEnds} places already.");
    }

    /// <summary>
    /// Addresses one reservation this process made (<see cref="ReserveEnd"/>) to the process <paramref name="receiver"/>,
    /// before that process can take it: from then on it counts as held as long as the receiver lives, not the
    /// sender, so it ends if the receiver exits without taking its end. A <paramref name="receiver"/> of 0 cancels
    /// it (the end was not sent after all). Wakes the other side, whose sleepers then watch the receiver.
    /// </summary>
    public void AddressReservation(bool writer, int receiver)
    {
        if (ReplaceEndSlot(writer ? h->Writers : h->Readers, -LockCore.Me, -receiver))
        {
            WakeAll();
        }
    }

    /// <summary>Replaces one slot holding <paramref name="from"/> with <paramref name="to"/>; false if none holds it.</summary>
    private static bool ReplaceEndSlot(int* ends, int from, int to)
    {
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            if (Interlocked.CompareExchange(ref ends[i], to, from) == from)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Unregisters one handle of this process on the writing (or reading) end and wakes the other side.</summary>
    public void DetachEnd(bool writer)
    {
        Volatile.Read(ref dataPeers)?.Dispose();
        Volatile.Read(ref roomPeers)?.Dispose();
        int* ends = writer ? h->Writers : h->Readers;
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            if (Interlocked.CompareExchange(ref ends[i], 0, LockCore.Me) == LockCore.Me)
            {
                break;
            }
        }

        WakeAll();
    }

    private static bool AnyEnd(int* ends)
    {
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            if (Volatile.Read(ref ends[i]) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a live process holds one of <paramref name="ends"/>; clears the slots of dead ones.</summary>
    private static bool AnyLiveEnd(int* ends)
    {
        bool any = false;
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            int pid = Volatile.Read(ref ends[i]);
            if (pid == 0)
            {
                continue;
            }

            if (Liveness.IsAlive(Math.Abs(pid)))
            {
                any = true;
            }
            else
            {
                Interlocked.CompareExchange(ref ends[i], 0, pid);
            }
        }

        return any;
    }

    /// <summary>A fragmented message being put back together.</summary>
    private struct Assembly(byte[] buffer)
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

/// <summary>A message read from a <see cref="Ring"/>: in place in shared memory (until <see cref="Ring.EndRead"/>), or reassembled in an array.</summary>
internal readonly unsafe struct RingMessage
{
    private readonly byte* at;
    private readonly int length;

    public RingMessage(byte* at, int length, byte[]? assembled)
    {
        this.at = at;
        this.length = length;
        Assembled = assembled;
    }

    /// <summary>The reassembled message, or null if it is in place.</summary>
    public byte[]? Assembled { get; }

    /// <summary>Whether the message points into the ring (and the read lock is held until EndRead).</summary>
    public bool InPlace => at != null;

    /// <summary>The message's bytes.</summary>
    public ReadOnlySpan<byte> Span => Assembled ?? new ReadOnlySpan<byte>(at, length);

    /// <summary>The message's length.</summary>
    public int Length => Assembled?.Length ?? length;

    /// <summary>The address of an in-place message.</summary>
    public byte* Pointer => at;
}
