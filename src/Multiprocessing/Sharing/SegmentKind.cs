namespace Multiprocessing.Sharing;

/// <summary>What a segment holds; checked on open so that opening the wrong thing fails clearly.</summary>
internal enum SegmentKind : ushort
{
    Raw = 1,
    Array = 2,
    Lock = 3,
    Semaphore = 4,
    Event = 5,
    Condition = 6,
    Barrier = 7,
    RLock = 8,
    Pipe = 9,
    Queue = 10,
}
