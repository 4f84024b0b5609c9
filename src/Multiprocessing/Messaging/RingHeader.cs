using System.Runtime.InteropServices;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

/// <summary>
/// The shared state of a <see cref="Ring"/>, one cache line per party so that a producer and a consumer on two
/// cores do not take each other's lines on every message.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct RingHeader
{
    public const int Size = 512;
    public const int MaxEnds = 16;

    // Line 0: fixed at creation, then flags.

    /// <summary>Bytes of the data area, a power of two.</summary>
    [FieldOffset(0)]
    public long Capacity;

    /// <summary>Most messages in the ring at once; 0 for no bound but the bytes.</summary>
    [FieldOffset(8)]
    public int MaxItems;

    /// <summary>1 once no more messages will be written (a queue's <c>CompleteAdding</c>).</summary>
    [FieldOffset(12)]
    public int Completed;

    /// <summary>1 if a message that finds no room (and no consumer moving) goes to the overflow instead of waiting (queues created with <c>overflow: true</c>; never pipes).</summary>
    [FieldOffset(16)]
    public int Overflow;

    // Line 1: producers.

    /// <summary>Held by the producer writing a message.</summary>
    [FieldOffset(64)]
    public LockState WriteLock;

    /// <summary>Bytes committed since creation: messages before it are whole and readable.</summary>
    [FieldOffset(80)]
    public long Tail;

    /// <summary>Whole messages committed since creation.</summary>
    [FieldOffset(88)]
    public long ItemsPut;

    /// <summary>1 while a message split in fragments has begun but not ended.</summary>
    [FieldOffset(96)]
    public int WriteOpen;

    /// <summary>Messages written to the overflow since creation: the next one goes to overflow file <c>OverflowTail</c>.</summary>
    [FieldOffset(104)]
    public long OverflowTail;

    /// <summary>The <see cref="OverflowTail"/> that the last overflow marker in the ring (or a check that the overflow was empty) covers: while it equals <see cref="OverflowTail"/>, a ring write needs no marker.</summary>
    [FieldOffset(112)]
    public long OverflowMarked;

    /// <summary>How far the consumers had got (head plus overflow head) when a producer last found them stuck and overflowed: while they stay there and the overflow holds messages, the next producer overflows at once rather than wait again.</summary>
    [FieldOffset(120)]
    public long OverflowStuckAt;

    // Line 2: consumers.

    /// <summary>Held by the consumer reading a message.</summary>
    [FieldOffset(128)]
    public LockState ReadLock;

    /// <summary>Bytes consumed since creation.</summary>
    [FieldOffset(144)]
    public long Head;

    /// <summary>Whole messages consumed since creation.</summary>
    [FieldOffset(152)]
    public long ItemsGot;

    /// <summary>1 while a consumer is part-way through a message split in fragments.</summary>
    [FieldOffset(160)]
    public int ReadOpen;

    /// <summary>Messages taken from the overflow since creation: the next one is overflow file <c>OverflowHead</c>.</summary>
    [FieldOffset(168)]
    public long OverflowHead;

    // Line 3: consumers sleep here for data.

    /// <summary>Moved on to wake consumers (the futex word); its low bit is set by a consumer about to sleep on it (see <c>Ring.Waiting.cs</c>).</summary>
    [FieldOffset(192)]
    public int DataSeq;

    /// <summary>Consumers asleep on <see cref="DataSeq"/>.</summary>
    [FieldOffset(196)]
    public int DataSleepers;

    // Line 4: producers sleep here for room.

    /// <summary>Moved on to wake producers (the futex word); its low bit is set by a producer about to sleep on it.</summary>
    [FieldOffset(256)]
    public int SpaceSeq;

    /// <summary>Producers asleep on <see cref="SpaceSeq"/>.</summary>
    [FieldOffset(260)]
    public int SpaceSleepers;

    // Line 5: a joinable queue's unfinished tasks.

    /// <summary>Messages put and not yet marked done.</summary>
    [FieldOffset(320)]
    public int Unfinished;

    /// <summary>Bumped when <see cref="Unfinished"/> reaches 0 (the futex word of <c>Join</c>).</summary>
    [FieldOffset(324)]
    public int JoinSequence;

    // Lines 6 and 7: the processes holding each end of a pipe (0 = free slot).

    /// <summary>Pids of the processes that hold the writing end open, one slot per open handle.</summary>
    [FieldOffset(384)]
    public fixed int Writers[MaxEnds];

    /// <summary>Pids of the processes that hold the reading end open, one slot per open handle.</summary>
    [FieldOffset(448)]
    public fixed int Readers[MaxEnds];
}
