namespace Multiprocessing.Managers;

/// <summary>The kinds of object a manager holds.</summary>
internal enum ManagedKind : byte
{
    /// <summary>A dictionary of encoded keys to encoded values.</summary>
    Dictionary = 1,

    /// <summary>A list of encoded items.</summary>
    List = 2,

    /// <summary>One encoded value.</summary>
    Value = 3,

    /// <summary>A lock that one client holds at a time; released if that client's connection ends.</summary>
    Lock = 4,

    /// <summary>An event.</summary>
    Event = 5,

    /// <summary>A semaphore: initial count (int32) and maximum (int32, 0 for none) follow the name.</summary>
    Semaphore = 6,

    /// <summary>A namespace: attribute names to encoded values, served as a dictionary.</summary>
    Namespace = 7,

    /// <summary>A FIFO queue: its maximum size (int32, 0 for none) follows the name.</summary>
    Queue = 8,

    /// <summary>A re-entrant lock: the connection that holds it may acquire it again, and must release it as often.</summary>
    RLock = 9,

    /// <summary>A set: a dictionary whose keys are the items (<see cref="ManagedSet{T}"/>).</summary>
    Set = 10,

    /// <summary>A condition variable: the id (int64) of the lock it uses follows the name (0: a new re-entrant lock of its own).</summary>
    Condition = 20,

    /// <summary>A barrier: its number of parties (int32) follows the name.</summary>
    Barrier = 21,

    /// <summary>A fixed-length array of same-size elements: element size (int32), length (int32), then optionally the initial bytes.</summary>
    Array = 22,

    /// <summary>A FIFO queue that counts unfinished items (Python's <c>JoinableQueue</c>): its maximum size (int32, 0 for none) follows the name.</summary>
    JoinableQueue = 23,

    /// <summary>An object made by a factory registered for an interface: the interface's key (framed) and fingerprint (int32) follow the name (see <see cref="ManagerRegistry"/>).</summary>
    Custom = 40,
}
