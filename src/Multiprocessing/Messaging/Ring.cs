using System.Numerics;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

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
/// writes the message, whole, to the next overflow file (<see cref="OverflowFiles"/>) instead:
/// <c>OverflowTail</c> counts the files written, <c>OverflowHead</c> the files read; so the ring's bytes are not a bound
/// and a put never waits for a reader. A fragmented message caught that way is abandoned (as above) and written
/// whole to the overflow. Order: consumers read the ring first and the overflow when the ring is empty, and a producer that writes to
/// the ring while the overflow may hold messages first writes an overflow marker record saying how many overflow
/// messages precede what follows it in the ring; a consumer reaching the marker reads the overflow up to there
/// before reading on. So messages are taken in the order their puts took the write lock, and once the consumers
/// catch up, producers use the ring again. An overflow file is published by moving <c>OverflowTail</c> after it is
/// written, so a producer that dies while writing one leaves an orphan file that the next overflow write overwrites or
/// the segment's removal deletes; a consumer reads the file, moves <c>OverflowHead</c>, then deletes it, so one
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
    private const int KindOverflowMarker = 6;
    private const long MarkerSize = RecordHeaderSize + sizeof(long);

    /// <summary>
    /// How long a producer that finds no room waits with no consumer moving (neither the head nor the overflow's
    /// head) before it puts the message in the overflow: long enough that a consumer that is merely slower
    /// keeps the producer on the ring, short enough that a queue nobody reads never blocks a put noticeably.
    /// </summary>
    public static readonly TimeSpan OverflowAfter = TimeSpan.FromMilliseconds(20);

    private readonly RingHeader* h;
    private readonly byte* data;
    private readonly long capacity;
    private readonly long mask;
    private readonly bool watchEnds;
    private readonly bool overflow;
    private readonly string? overflowPrefix;

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
    /// <param name="overflowPrefix">Where the overflow's files go (<see cref="OverflowFiles.PrefixFor"/>), for a ring initialized with overflow; null for none.</param>
    public Ring(nint at, bool watchEnds, string? overflowPrefix = null)
    {
        h = (RingHeader*)at;
        data = (byte*)at + RingHeader.Size;
        capacity = h->Capacity;
        mask = capacity - 1;
        this.watchEnds = watchEnds;
        overflow = !watchEnds && overflowPrefix is not null && h->Overflow != 0;
        this.overflowPrefix = overflow ? overflowPrefix : null;
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
    /// <param name="overflow">Whether messages that find no room go to the overflow rather than wait (see the remarks).</param>
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
        Bump(&h->DataSeq);
        Bump(&h->SpaceSeq);
    }
}
