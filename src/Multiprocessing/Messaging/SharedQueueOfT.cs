using System.Buffers;
using System.Runtime.CompilerServices;
using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;
using Multiprocessing.Messaging;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A first-in first-out queue between processes and threads (Python's <c>multiprocessing.Queue</c>,
/// <c>SimpleQueue</c> and, created joinable, <c>JoinableQueue</c>): any number of producers and consumers in any
/// processes. Create it with <see cref="SharedQueue.Create{T}(int, long, bool, string?, bool)"/>; pass it to a child as an argument.
/// </summary>
/// <typeparam name="T">The items' type: encoded by its declared type (MessagePack, field by field); use
/// <see cref="object"/> for mixed primitive values.</typeparam>
/// <remarks>
/// <para>Items live in a ring in shared memory: <see cref="Put"/> encodes the item in the caller (an item that
/// cannot be encoded fails there, and nothing is queued) and copies it in; <see cref="Get"/> decodes it straight
/// from shared memory. No feeder thread, no pipe: an item is in the queue when <c>Put</c> returns, so a child
/// that has put its items can exit and be joined before anyone reads them (no deadlock, unlike CPython).</para>
/// <para>The ring's capacity is not a bound (unless the queue is created with <c>overflow: false</c>): a put that
/// finds the ring full waits while consumers are taking items, but once none has taken anything for a moment
/// (about 20 ms), or its timeout passed, it writes the item to an overflow file in /dev/shm instead, and
/// returns. So a queue nobody reads yet never blocks a put, whatever the items' total size, and order is kept:
/// items are taken in the order they were put (one producer's items in its order). Overflowed items cost a file
/// each, written and read whole; once consumers catch up, items go through the ring again. The files are
/// removed as their items are taken, and all of them when the queue is removed (its last process closes it, or
/// dies). Only <see cref="MaxSize"/> makes a put wait then. With <c>overflow: false</c> the capacity is a hard
/// bound: a put that finds the ring full waits for room.</para>
/// <para>An item larger than half the capacity streams through in parts and arrives whole; once its first part
/// has been taken, <c>Get</c> waits for the rest as long as its producer lives, whatever its timeout (the item
/// cannot be put back). A producer killed in the middle of a put leaves no trace: its partial item is dropped
/// and the queue works on; a consumer killed in the middle of a get loses that item, as in Python (an item
/// that had overflowed to a file stays in the queue instead: the next get takes it).</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, named as in Python.")]
public sealed partial class SharedQueue<T> : IDisposable, ISharedObject<SharedQueue<T>>, IWaitReady
{
    private readonly Segment segment;
    private readonly Ring ring;
    private readonly bool joinable;
    private readonly PointerMemory inPlace = new();

    private SharedQueue(Segment segment)
    {
        this.segment = segment;
        joinable = segment.Header.Tag != 0;
        ring = new Ring(segment.DataFor(this), watchEnds: false, OverflowFiles.PrefixFor(segment.Path, segment.Header.Id));
        QueueRegistry.Add(this);
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => segment.Name;

    /// <summary>The most items the queue holds (Python's <c>maxsize</c>); 0 for none.</summary>
    public unsafe int MaxSize
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.Header->MaxItems;
        }
    }

    /// <summary>Bytes of the shared ring; items larger than half of it pass in parts. A bound only if the queue does not <see cref="Overflows"/>.</summary>
    public unsafe long Capacity
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.Header->Capacity;
        }
    }

    /// <summary>Items in the queue now (Python's <c>qsize()</c>); it may change right after you read it.</summary>
    public int Count
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return (int)Math.Min(int.MaxValue, ring.Count);
        }
    }

    /// <summary>Whether the queue is empty now (Python's <c>empty()</c>).</summary>
    public bool IsEmpty
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.Count == 0;
        }
    }

    /// <summary>Whether the queue holds <see cref="MaxSize"/> items now (Python's <c>full()</c>); never for a queue bounded only by bytes.</summary>
    public bool IsFull
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            int max = MaxSize;
            return max > 0 && ring.Count >= max;
        }
    }

    /// <summary>Bytes in the ring now, parts of unfinished items included (for tests).</summary>
    internal long PendingBytes
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.PendingBytes;
        }
    }

    /// <summary>Whether <see cref="CompleteAdding"/> or <see cref="Shutdown"/> was called (by any process).</summary>
    public bool IsAddingCompleted
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.IsCompleted;
        }
    }

    /// <summary>Whether adding is complete and every item has been taken: consumers' enumerations end.</summary>
    public bool IsCompleted
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.IsCompleted && ring.Count == 0;
        }
    }

    /// <summary>Whether the queue counts unfinished items for <see cref="TaskDone"/> and <see cref="Join"/>.</summary>
    public bool IsJoinable
    {
        get
        {
            ObjectDisposedException.ThrowIf(segment.IsClosed, this);
            return joinable;
        }
    }

    /// <inheritdoc/>
    string ISharedObject<SharedQueue<T>>.Descriptor => Name;

    /// <inheritdoc/>
    static SharedQueue<T> ISharedObject<SharedQueue<T>>.Reopen(string descriptor) => Open(descriptor);

    /// <summary>Items that went to overflow files since creation (for tests).</summary>
    internal unsafe long OverflowedCount
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return Volatile.Read(ref ring.Header->OverflowTail);
        }
    }

    /// <summary>The start of the paths of this queue's overflow files (for tests).</summary>
    internal string OverflowPrefix
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return OverflowFiles.PrefixFor(segment.Path, segment.Header.Id);
        }
    }

    /// <summary>Whether items that find the ring full and no consumer moving go to overflow files instead of waiting.</summary>
    public unsafe bool Overflows
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.Header->Overflow != 0;
        }
    }

    /// <summary>Creates a queue; the options' setters have checked their values.</summary>
    internal static SharedQueue<T> Create(SharedQueueOptions options)
    {
        long ringCapacity = Ring.CapacityFor(options.Capacity);
        Segment segment = Segment.Create(options.Name, Ring.BytesFor(ringCapacity), SegmentKind.Queue, options.Joinable ? 1 : 0);
        Ring.Initialize(segment.DataFor(segment), ringCapacity, options.MaxSize, options.Overflow);
        return new SharedQueue<T>(segment);
    }

    internal static SharedQueue<T> Open(string name) => new(Segment.Open(name, SegmentKind.Queue));

    /// <summary>Puts an item, waiting for room if the queue is full (Python's <c>put(item, timeout=)</c>).</summary>
    /// <param name="item">The item; encoded now.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="ArgumentException">The item cannot be encoded; nothing was queued.</exception>
    /// <exception cref="TimeoutException">No room within <paramref name="timeout"/> (Python's <c>queue.Full</c>): <see cref="MaxSize"/> items are in the queue, or, if it does not overflow, its ring is full; nothing was queued.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down (<see cref="Shutdown"/>), before or while waiting.</exception>
    /// <exception cref="IOException">The item had to overflow to a file and the file could not be written (/dev/shm full); nothing was queued.</exception>
    /// <exception cref="OperationCanceledException">The token fired first; nothing was queued.</exception>
    /// <exception cref="ObjectDisposedException">The queue was closed in this process (before, or while waiting).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Put(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfFalse(TryPut(item, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NoRoom, Name, timeout);

    private const string NoRoom = "The queue '{0}' had no room within {1}.";

    /// <summary>Puts an item if there is room within <paramref name="timeout"/> (zero: only if there is room now, Python's <c>put_nowait</c>).</summary>
    /// <param name="item">The item; encoded now.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if queued; false if there was no room in time (for a queue that <see cref="Overflows"/>: <see cref="MaxSize"/> items were in it).</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded; nothing was queued.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down (<see cref="Shutdown"/>), before or while waiting.</exception>
    /// <exception cref="IOException">The item had to overflow to a file and the file could not be written (/dev/shm full); nothing was queued.</exception>
    /// <exception cref="OperationCanceledException">The token fired first; nothing was queued.</exception>
    /// <exception cref="ObjectDisposedException">The queue was closed in this process (before, or while waiting).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryPut(T item, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Blocking.Wait(Put<Blocking>(item, timeout, cancellationToken));

    /// <summary>Puts an item, waiting asynchronously for room if the queue is full.</summary>
    /// <param name="item">The item; encoded now.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes once the item is queued.</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded; nothing was queued.</exception>
    /// <exception cref="TimeoutException">No room within <paramref name="timeout"/> (Python's <c>queue.Full</c>): <see cref="MaxSize"/> items are in the queue, or, if it does not overflow, its ring is full; nothing was queued.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down (<see cref="Shutdown"/>), before or while waiting.</exception>
    /// <exception cref="IOException">The item had to overflow to a file and the file could not be written (/dev/shm full); nothing was queued.</exception>
    /// <exception cref="OperationCanceledException">The token fired first; nothing was queued.</exception>
    /// <exception cref="ObjectDisposedException">The queue was closed in this process (before, or while waiting).</exception>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfFalse(Put<Awaiting>(item, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NoRoom, Name, timeout);

    /// <summary>
    /// The one body of <see cref="TryPut"/> and <see cref="PutAsync"/> (see <see cref="IWaitMode"/>): encodes the
    /// item, then writes it, waiting in the caller's mode; true once queued, false if there was no room in time.
    /// </summary>
    /// <remarks>
    /// Blocking, the ring's write waits in the calling thread. Awaiting, a write that can be done now is done
    /// here, allocating nothing; one that must wait goes on in <see cref="PutSlowAsync"/> with a copy of the
    /// encoded item (a span cannot cross an await), which then settles the put and ends the use of the queue.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ValueTask<bool> Put<TMode>(T item, TimeSpan timeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        Deadline deadline = Deadline.After(timeout);
        Span<byte> head = stackalloc byte[FastCodec.MaxScalarSize];
        int headLength = Encode(item, head, out ReadOnlySpan<byte> body);
        SegmentLease use = segment.Enter(this);
        BeginPut();
        bool done = false;
        bool handedOver = false;
        try
        {
            RingStatus status;
            if (ring.IsCompleted)
            {
                status = RingStatus.Completed; // (checked here: the ring's TryWriteNow does not look)
            }
            else if (!TMode.IsAsync)
            {
                status = ring.Write(head[..headLength], body, deadline, cancellationToken);
            }
            else if (!ring.TryWriteNow(head[..headLength], body, out status))
            {
                handedOver = true;
                return PutSlowAsync(use, [.. head[..headLength], .. body], deadline, cancellationToken);
            }

            done = Accepted(status);
            return new(done);
        }
        finally
        {
            if (!handedOver)
            {
                EndPut(done);
                use.Dispose();
            }
        }
    }

    /// <summary>Takes the next item, waiting for one (Python's <c>get(timeout=)</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/> (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="InvalidOperationException">Adding was completed and the queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down (<see cref="Shutdown"/>) and is empty, or was shut down immediately; before or while waiting.</exception>
    /// <exception cref="InvalidDataException">The item could not be decoded as a <typeparamref name="T"/> (it is consumed).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Get(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        RingStatus status = BeginRead(Deadline.After(timeout), cancellationToken, out RingMessage message);
        return status == RingStatus.Ok ? Take(message) : throw GetFailure(status, timeout);
    }

    /// <summary>Takes the next item if one arrives within <paramref name="timeout"/> (zero: only if one is there, Python's <c>get_nowait</c>).</summary>
    /// <param name="item">The item, or default.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if an item was taken; false on timeout, or if adding was completed (or the queue shut down) and the queue is empty, or it was shut down immediately.</returns>
    /// <exception cref="InvalidDataException">The item could not be decoded as a <typeparamref name="T"/> (it is consumed).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(out T item, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        RingStatus status = BeginRead(Deadline.After(timeout), cancellationToken, out RingMessage message);
        item = status == RingStatus.Ok ? Take(message) : default!;
        return status == RingStatus.Ok;
    }

    /// <summary>Takes the next item, waiting asynchronously for one.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed and the queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down (<see cref="Shutdown"/>) and is empty, or was shut down immediately; before or while waiting.</exception>
    public async ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        (RingStatus status, RingMessage message) = await BeginReadAsync(Deadline.After(timeout), cancellationToken).ConfigureAwait(false);
        return status == RingStatus.Ok ? Take(message) : throw GetFailure(status, timeout);
    }

    /// <summary>The items as they arrive, until adding is completed (or the queue shut down) and the queue is empty, or the queue is shut down immediately: a consumer's loop, which ends without an exception.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The items.</returns>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            T item;
            using (segment.Enter(this))
            {
                (RingStatus status, RingMessage message) = await BeginReadAsync(Deadline.Never, cancellationToken).ConfigureAwait(false);
                if (status != RingStatus.Ok)
                {
                    yield break;
                }

                item = Take(message);
            }

            yield return item;
        }
    }

    /// <summary>The items as they arrive, blocking, until adding is completed (or the queue shut down) and the queue is empty, or the queue is shut down immediately.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The items.</returns>
    public IEnumerable<T> GetConsumingEnumerable(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        return Consume(cancellationToken);
    }

    private IEnumerable<T> Consume(CancellationToken cancellationToken)
    {
        while (TryGet(out T item, Timeout.InfiniteTimeSpan, cancellationToken))
        {
            yield return item;
        }
    }

    /// <summary>
    /// Says that no more items will be put, in every process: puts then fail, and consumers' enumerations end once
    /// the queue is empty (<c>BlockingCollection.CompleteAdding</c>; Python has no equivalent but a sentinel item).
    /// </summary>
    public void CompleteAdding()
    {
        using SegmentLease use = segment.Enter(this);
        ring.CompleteAs(Ring.CompletedAdding); // (not over a shutdown)
    }

    /// <summary>Marks one item taken with <see cref="Get"/> as processed (Python's <c>task_done()</c>, joinable queues).</summary>
    /// <exception cref="InvalidOperationException">The queue is not joinable, or this was called more times than items were put.</exception>
    public unsafe void TaskDone()
    {
        using SegmentLease use = segment.Enter(this);
        EnsureJoinable();
        RingHeader* h = ring.Header;
        int left = Interlocked.Decrement(ref h->Unfinished);
        if (left < 0)
        {
            Interlocked.Increment(ref h->Unfinished);
            throw new InvalidOperationException("TaskDone was called more times than items were put.");
        }

        if (left == 0)
        {
            Interlocked.Increment(ref h->JoinSequence);
            Interop.Libc.FutexWake(&h->JoinSequence, int.MaxValue);
        }
    }

    /// <summary>Waits until every item put has been marked done (Python's <c>JoinableQueue.join()</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="InvalidOperationException">The queue is not joinable.</exception>
    /// <exception cref="TimeoutException">Items were still unfinished after <paramref name="timeout"/>.</exception>
    public unsafe void Join(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        EnsureJoinable();
        Deadline deadline = Deadline.After(timeout);
        RingHeader* h = ring.Header;

        // The join sequence moves each time nothing is left unfinished: once it moved since this join began, the
        // join is over, as Python's, even if an item was put again at once (the count alone would say otherwise).
        int start = Volatile.Read(ref h->JoinSequence);
        while (Volatile.Read(ref h->Unfinished) != 0 && Volatile.Read(ref h->JoinSequence) == start)
        {
            if (!FutexSleep.Sleep(&h->JoinSequence, start, deadline, 0, cancellationToken) && Volatile.Read(ref h->Unfinished) != 0 && Volatile.Read(ref h->JoinSequence) == start)
            {
                throw new TimeoutException($"The queue '{Name}' still had {Volatile.Read(ref h->Unfinished)} unfinished items after {timeout}.");
            }
        }
    }

    /// <summary>Waits asynchronously until every item put has been marked done.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when nothing is unfinished.</returns>
    /// <exception cref="InvalidOperationException">The queue is not joinable.</exception>
    /// <exception cref="TimeoutException">Items were still unfinished after <paramref name="timeout"/>.</exception>
    public async ValueTask JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        EnsureJoinable();
        Deadline deadline = Deadline.After(timeout);
        int start = JoinSequence(); // as in Join: a sequence that moved since the join began ends it
        while (Unfinished() != 0 && JoinSequence() == start)
        {
            if (!await FutexSleep.SleepAsync(JoinWord(), start, deadline, 0, cancellationToken).ConfigureAwait(false) && Unfinished() != 0 && JoinSequence() == start)
            {
                throw new TimeoutException($"The queue '{Name}' still had {Unfinished()} unfinished items after {timeout}.");
            }
        }
    }

    /// <summary>How many async joins of this process are registered with the async futex thread: for tests that must know their joiners sleep.</summary>
    internal int AsyncJoiners => AsyncFutex.WaitingOn(JoinWord());

    /// <summary>Closes the queue in this process (Python's <c>close()</c>); it is removed once no process has it open.</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>; calls waiting in this process (a get, a put, a join) are woken and throw it too.</remarks>
    public void Close() => Dispose();

    /// <summary>Closes the queue in this process (see <see cref="Close"/>).</summary>
    public void Dispose()
    {
        QueueRegistry.Remove(this);
        segment.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (!segment.TryEnter())
        {
            return $"SharedQueue<{TypeNames.Display(typeof(T))}>('{Name}', closed)";
        }

        try
        {
            return $"SharedQueue<{TypeNames.Display(typeof(T))}>('{Name}', count={ring.Count})";
        }
        finally
        {
            segment.Leave();
        }
    }

    private unsafe int JoinSequence() => Volatile.Read(ref ring.Header->JoinSequence);

    private unsafe int Unfinished() => Volatile.Read(ref ring.Header->Unfinished);

    private unsafe nint JoinWord() => (nint)(&ring.Header->JoinSequence);

    private void EnsureJoinable()
    {
        if (!joinable)
        {
            throw new InvalidOperationException("This queue is not joinable: create it with joinable: true for TaskDone and Join.");
        }
    }

    /// <summary>Counts the item as unfinished before it becomes visible, so that Join never sees it taken but not counted.</summary>
    private unsafe void BeginPut()
    {
        if (joinable)
        {
            Interlocked.Increment(ref ring.Header->Unfinished);
        }
    }

    private void EndPut(bool done)
    {
        if (joinable && !done)
        {
            TaskDoneQuietly();
        }
    }

    private unsafe void TaskDoneQuietly()
    {
        RingHeader* h = ring.Header;
        if (Interlocked.Decrement(ref h->Unfinished) == 0)
        {
            Interlocked.Increment(ref h->JoinSequence);
            Interop.Libc.FutexWake(&h->JoinSequence, int.MaxValue);
        }
    }

    /// <summary>The waiting part of <see cref="Put{TMode}"/> in the awaiting mode; ends <paramref name="use"/>, the put's use of the queue, when done.</summary>
    private async ValueTask<bool> PutSlowAsync(SegmentLease use, byte[] encoded, Deadline deadline, CancellationToken cancellationToken)
    {
        bool done = false;
        try
        {
            done = Accepted(await ring.WriteAsync(encoded, deadline, cancellationToken).ConfigureAwait(false));
            return done;
        }
        finally
        {
            EndPut(done);
            use.Dispose();
        }
    }

    /// <summary>Whether the ring took the item: true, or false when the put timed out; throws when the queue no longer takes items.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Accepted(RingStatus status) => status switch
    {
        RingStatus.Ok => true,
        RingStatus.Timeout => false,
        _ => throw (ring.Completion >= Ring.ShutDown
            ? new QueueShutDownException($"The queue '{Name}' was shut down: no more items can be put.")
            : new InvalidOperationException($"Adding to the queue '{Name}' was completed: no more items can be put.")),
    };

    private Exception GetFailure(RingStatus status, TimeSpan? timeout) => status switch
    {
        RingStatus.Timeout => new TimeoutException($"The queue '{Name}' stayed empty for {timeout}."),
        _ => ring.Completion switch
        {
            Ring.ShutDownImmediately => new QueueShutDownException($"The queue '{Name}' was shut down immediately: its items were dropped."),
            Ring.ShutDown => new QueueShutDownException($"The queue '{Name}' was shut down and is empty."),
            _ => new InvalidOperationException($"The queue '{Name}' is empty and adding was completed."),
        },
    };

    /// <summary>Encodes an item: a header in <paramref name="head"/> (its length returned) and a body (see <see cref="FastCodec"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Encode(T item, Span<byte> head, out ReadOnlySpan<byte> body)
    {
        if (FastCodec.Handles<T>())
        {
            return FastCodec.Write(item, head, out body);
        }

        body = EncodeWithCodec(item);
        return 0;
    }

    private static ReadOnlySpan<byte> EncodeWithCodec(T item)
    {
        ArrayBufferWriter<byte> buffer = EncodeBuffer.ForThisThread();
        try
        {
            WireCodec.Serialize(buffer, item);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw WireCodec.EncodeFailure("the item", nameof(item), typeof(T), e);
        }

        return buffer.WrittenSpan;
    }

    /// <summary>The next item, a byte array, copied into <paramref name="destination"/> (see <see cref="SharedQueue.GetInto"/>).</summary>
    internal int GetBytesInto(Span<byte> destination, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        RingStatus status = BeginRead(Deadline.After(timeout), cancellationToken, out RingMessage message);
        return status == RingStatus.Ok ? TakeBytesInto(message, destination) : throw GetFailure(status, timeout);
    }

    /// <summary>The asynchronous form of <see cref="GetBytesInto"/>.</summary>
    internal async ValueTask<int> GetBytesIntoAsync(Memory<byte> destination, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        (RingStatus status, RingMessage message) = await BeginReadAsync(Deadline.After(timeout), cancellationToken).ConfigureAwait(false);
        return status == RingStatus.Ok ? TakeBytesInto(message, destination.Span) : throw GetFailure(status, timeout);
    }

    /// <summary>The next item, a byte array, in an array rented from the shared pool (see <see cref="SharedQueue.GetLease"/>).</summary>
    internal PooledBytes? GetBytesLease(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        RingStatus status = BeginRead(Deadline.After(timeout), cancellationToken, out RingMessage message);
        return status == RingStatus.Ok ? TakeBytesLease(message) : throw GetFailure(status, timeout);
    }

    /// <summary>The asynchronous form of <see cref="GetBytesLease"/>.</summary>
    internal async ValueTask<PooledBytes?> GetBytesLeaseAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using SegmentLease use = segment.Enter(this);
        (RingStatus status, RingMessage message) = await BeginReadAsync(Deadline.After(timeout), cancellationToken).ConfigureAwait(false);
        return status == RingStatus.Ok ? TakeBytesLease(message) : throw GetFailure(status, timeout);
    }

    private int TakeBytesInto(in RingMessage message, Span<byte> destination)
    {
        try
        {
            if (!LocateBytes(message, out ReadOnlySpan<byte> bytes))
            {
                return -1;
            }

            if (bytes.Length > destination.Length)
            {
                throw new BufferTooShortException(bytes.ToArray(), destination.Length);
            }

            bytes.CopyTo(destination);
            return bytes.Length;
        }
        finally
        {
            ring.EndRead(message);
        }
    }

    private PooledBytes? TakeBytesLease(in RingMessage message)
    {
        try
        {
            return LocateBytes(message, out ReadOnlySpan<byte> bytes) ? new PooledBytes(bytes) : null;
        }
        finally
        {
            ring.EndRead(message);
        }
    }

    /// <summary>The bytes of an item that is one byte array, where it lies in <paramref name="message"/>; false if it is a null array.</summary>
    /// <exception cref="InvalidDataException">The item is not one byte array.</exception>
    private bool LocateBytes(in RingMessage message, out ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> encoded = message.Span;
        if (!FastCodec.TryLocateBinary(encoded, out int header, out bool isNull))
        {
            throw new InvalidDataException($"An item of the queue '{Name}' is not one byte array.");
        }

        bytes = isNull ? default : encoded[header..];
        return !isNull;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe T Take(in RingMessage message)
    {
        try
        {
            ReadOnlyMemory<byte> bytes = message.Assembled ?? inPlace.Point(message.Pointer, message.Length);
            return WireCodec.Deserialize<T>(bytes);
        }
        catch (Exception e) when (WireCodec.IsDecodeFailure(e))
        {
            throw WireCodec.DecodeFailure($"An item of the queue '{Name}' could not be decoded as {TypeNames.Display(typeof(T))}", e);
        }
        finally
        {
            ring.EndRead(message);
        }
    }
}
