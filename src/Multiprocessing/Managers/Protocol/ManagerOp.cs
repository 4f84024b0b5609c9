namespace Multiprocessing.Managers;

/// <summary>The operations a manager serves; the first byte of every request.</summary>
internal enum ManagerOp : byte
{
    /// <summary>Creates an object: kind (1 byte), framed name (empty for none; an existing object of that name is found instead), then the initial value of a <see cref="ManagedKind.Value"/>; replies with its id.</summary>
    Create = 1,

    /// <summary>Moves this connection onto a shared-memory pipe whose end the request names (UTF-8); replies on the socket, then both sides use the pipe.</summary>
    UseSharedMemoryPipe = 2,

    /// <summary>
    /// This connection takes a reference to the object (the request's id) for as long as it stays open: a token
    /// (int64) that <see cref="Pin"/> replied, whose reference it then takes over, or 0 for a new one. The object
    /// must still be held (by a connection, a pin or its name); otherwise it is gone and the request throws.
    /// </summary>
    Attach = 3,

    /// <summary>
    /// Takes a reference to the object (the request's id) for a proxy that crosses to another process, held until a
    /// connection takes it over with <see cref="Attach"/> (whatever becomes of this connection): replies its token (int64).
    /// </summary>
    Pin = 4,

    /// <summary>For tests: the objects held (int32), the pins not yet taken over (int32), the connections being served (int32) and the other requests being served (int32).</summary>
    Diagnostics = 5,

    /// <summary>Value of a key: replies found (1 byte) then the value.</summary>
    DictGet = 10,

    /// <summary>Sets a key to a value.</summary>
    DictSet,

    /// <summary>Adds a key if absent: replies added (1 byte).</summary>
    DictTryAdd,

    /// <summary>Removes a key: replies removed (1 byte) then the old value.</summary>
    DictRemove,

    /// <summary>Whether a key is present (1 byte).</summary>
    DictContainsKey,

    /// <summary>Number of entries (int32).</summary>
    DictCount,

    /// <summary>Removes every entry.</summary>
    DictClear,

    /// <summary>Every entry: count (int32), then framed key and framed value for each.</summary>
    DictItems,

    /// <summary>The value of a key, adding the given one if absent: replies added (1 byte) then the value held.</summary>
    DictGetOrAdd,

    /// <summary>Compare-and-set: replies updated (1 byte).</summary>
    DictTryUpdate,

    /// <summary>Adds a delta to an integer value (0 if absent): replies the new value (int64).</summary>
    DictIncrement,

    /// <summary>Removes a key only if its value is the given one: replies removed (1 byte).</summary>
    DictRemoveIfEquals,

    /// <summary>Item at an index (int32): replies in range (1 byte) then the item.</summary>
    ListGet = 40,

    /// <summary>Replaces the item at an index: replies in range (1 byte).</summary>
    ListSet,

    /// <summary>Appends an item: replies the new count (int32).</summary>
    ListAdd,

    /// <summary>Inserts an item at an index: replies in range (1 byte).</summary>
    ListInsert,

    /// <summary>Removes the item at an index: replies in range (1 byte) then the item.</summary>
    ListRemoveAt,

    /// <summary>Number of items (int32).</summary>
    ListCount,

    /// <summary>Removes every item.</summary>
    ListClear,

    /// <summary>Every item: count (int32), then each framed.</summary>
    ListItems,

    /// <summary>Index of the first item with the given encoding, or -1 (int32).</summary>
    ListIndexOf,

    /// <summary>Removes the first item with the given encoding: replies removed (1 byte).</summary>
    ListRemove,

    /// <summary>The value.</summary>
    ValueGet = 60,

    /// <summary>Replaces the value.</summary>
    ValueSet,

    /// <summary>Replaces the value: replies the old one.</summary>
    ValueExchange,

    /// <summary>Replaces the value if its encoding is the comparand's: replies exchanged (1 byte) then the value before.</summary>
    ValueCompareExchange,

    /// <summary>Adds a delta (int64) to an integer value: replies the new value (int64).</summary>
    ValueIncrement,

    /// <summary>Waits at most a timeout (int64 ms, -1 for ever) for the lock: replies acquired (1 byte), abandoned (1 byte) and the acquisition's number (int32).</summary>
    LockAcquire = 80,

    /// <summary>Releases the lock: any (1 byte; else only if the acquisition number, int32, is still the current one).</summary>
    LockRelease,

    /// <summary>Sets the event, waking every waiter.</summary>
    EventSet = 90,

    /// <summary>Clears the event.</summary>
    EventClear,

    /// <summary>Whether the event is set (1 byte).</summary>
    EventIsSet,

    /// <summary>
    /// Waits at most a timeout (int64 ms, -1 for ever) for the event to be set since a generation (int64: the one an
    /// earlier request of the same wait replied, or -1 for now): replies set since (1 byte) and the generation the
    /// wait counts from (int64), for its next request.
    /// </summary>
    EventWait,

    /// <summary>How many requests wait on the event now (int32): for tests that must know their waiters are in.</summary>
    EventWaiting,

    /// <summary>Waits at most a timeout (int64 ms, -1 for ever) for a permit: replies taken (1 byte).</summary>
    SemaphoreAcquire = 100,

    /// <summary>Gives back a number (int32) of permits: replies done (1 byte; 0 if a bounded semaphore would pass its maximum, and nothing was given back).</summary>
    SemaphoreRelease,

    /// <summary>Waits at most a timeout (int64 ms, -1 for ever) for room, then enqueues the item: replies put (1 byte).</summary>
    QueuePut = 110,

    /// <summary>Waits at most a timeout (int64 ms, -1 for ever) for an item: replies got (1 byte) then the item.</summary>
    QueueGet,

    /// <summary>Number of items (int32), then the maximum size (int32, 0 for none).</summary>
    QueueCount,

    /// <summary>Marks one item of a joinable queue as processed: replies done (1 byte; 0 if no item was unfinished, and nothing changed).</summary>
    QueueTaskDone = 115,

    /// <summary>
    /// Waits at most a timeout (int64 ms, -1 for ever) until every item put in a joinable queue is marked done, or
    /// has been since a count of drains (int64: the one an earlier request of the same join replied, or -1 for now):
    /// replies joined (1 byte) and the count the join counts from (int64), for its next request.
    /// </summary>
    QueueJoin = 116,

    /// <summary>How many join requests wait on a joinable queue now (int32): for tests that must know their joiners are in.</summary>
    QueueJoining,

    /// <summary>Releases the condition's lock, which this connection must hold, waits at most a timeout (int64 ms, -1 for ever) for a notification, then takes the lock again: replies notified (1 byte) and the new acquisition's number (int32).</summary>
    ConditionWait = 120,

    /// <summary>Wakes at most a number (int32) of the condition's waiters; this connection must hold its lock.</summary>
    ConditionNotify = 121,

    /// <summary>Arrives at the barrier and waits at most a timeout (int64 ms, -1 for ever) for the other parties: replies the outcome (1 byte: 0 passed, 1 broken, 2 timed out, which broke it) then, if passed, the arrival index (int32).</summary>
    BarrierWait = 130,

    /// <summary>Empties the barrier and mends it; parties waiting now find it broken.</summary>
    BarrierReset = 131,

    /// <summary>Breaks the barrier.</summary>
    BarrierAbort = 132,

    /// <summary>The barrier's parties (int32), parties waiting now (int32) and whether it is broken (1 byte).</summary>
    BarrierState = 133,

    /// <summary>The array's element size (int32) and length (int32).</summary>
    ArrayInfo = 140,

    /// <summary>Elements from an index (int32), a count of them (int32): replies in range (1 byte) then their bytes.</summary>
    ArrayRead = 141,

    /// <summary>Elements' bytes written from an index (int32): replies in range (1 byte; nothing is written if not).</summary>
    ArrayWrite = 142,

    /// <summary>Adds a delta (int64) to the 4- or 8-byte integer at an index (int32): replies in range (1 byte) then the new value (int64).</summary>
    ArrayIncrement = 143,

    /// <summary>Calls a method of a custom object: the method's id (int32), then its arguments; replies its result (see <see cref="CustomObject.Serve"/>).</summary>
    CustomCall = 150,

    /// <summary>Whether any client holds the lock now (1 byte).</summary>
    LockIsLocked = 160,
}
