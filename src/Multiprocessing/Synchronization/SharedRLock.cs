using System.Runtime.CompilerServices;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A recursive lock shared by threads and processes (Python's <c>multiprocessing.RLock</c>): owned by one thread
/// of one process, which may acquire it again and must release it as many times.
/// </summary>
/// <remarks>
/// Only the owning thread may release it. Do not hold it across an <c>await</c> that may resume on another
/// thread. If the owning process dies, the next acquirer gets the lock with
/// <see cref="LockHandle.WasAbandoned"/> set.
/// </remarks>
public sealed class SharedRLock : IDisposable, IHandleOwner, INamedObject<SharedRLock>
{
    /// <summary>Marks the descriptor of a lock that lives inside a shared array or value (Python's <c>get_lock()</c>).</summary>
    internal const string EmbeddedSuffix = "#lock";

    private readonly Segment segment;
    private readonly bool ownsSegment;
    private int disposed;

    private SharedRLock(Segment segment)
        : this(segment, ownsSegment: true, segment.Name)
    {
    }

    private SharedRLock(Segment segment, bool ownsSegment, string name)
    {
        this.segment = segment;
        this.ownsSegment = ownsSegment;
        Name = name;
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name { get; }

    /// <summary>The lock's state (at the start of its segment's payload, or of its array's); throws once closed.</summary>
    private nint State => segment.DataFor(this);

    /// <summary>The lock at the start of <paramref name="owner"/>'s payload (a shared array's get_lock()); disposing it does not close that segment.</summary>
    internal static SharedRLock Embedded(Segment owner) =>
        new(owner, ownsSegment: false, owner.Name + EmbeddedSuffix);

    /// <summary>Creates a recursive lock, initially free.</summary>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The lock.</returns>
    /// <exception cref="IOException">A shared object of that name exists already.</exception>
    public static SharedRLock Create(string? name = null) =>
        new(Segment.Create(name, Unsafe.SizeOf<LockState>(), SegmentKind.RLock, 0));

    /// <summary>Opens a recursive lock created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The lock.</returns>
    /// <exception cref="FileNotFoundException">No such lock.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedRLock Open(string name) =>
        name.EndsWith(EmbeddedSuffix, StringComparison.Ordinal)
            ? OpenEmbedded(name[..^EmbeddedSuffix.Length])
            : new(Segment.Open(name, SegmentKind.RLock));

    /// <summary>Acquires the lock (again, if this thread owns it), waiting as long as needed or until <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases this acquisition when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfNull(TryAcquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotAcquired, Name, timeout);

    /// <summary>Acquires the lock if this thread owns it or it becomes free within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; zero to not wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle, or null if the lock was not acquired.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public unsafe LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Enter();
        var deadline = Deadline.After(timeout);
        var s = (LockState*)State;
        int thread = Environment.CurrentManagedThreadId;
        if (LockCore.TryAcquire(s))
        {
            // The common case, without a second look at the owner.
            s->OwnerThread = thread;
            s->Count = 1;
            return Handle(1, false);
        }

        if (OwnedBy(s, thread))
        {
            return Handle(++s->Count, false);
        }

        if (!LockCore.Acquire(s, deadline, cancellationToken, out bool abandoned))
        {
            return null;
        }

        return Took(abandoned);
    }

    /// <summary>Acquires the lock asynchronously. The continuation then owns it only if it runs on the same thread; prefer the blocking form.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases this acquisition when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfNull(TryAcquireAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotAcquired, Name, timeout);

    private const string NotAcquired = "The recursive lock '{0}' was not acquired within {1}.";

    /// <summary>Acquires the lock asynchronously if it becomes free within <paramref name="timeout"/>. The continuation then owns it only if it runs on the same thread.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle, or null if the lock was not acquired.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public async ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Enter();
        var deadline = Deadline.After(timeout);
        LockHandle? handle = TryAcquire(TimeSpan.Zero, cancellationToken);
        if (handle is not null)
        {
            return handle;
        }

        (bool acquired, bool abandoned) = await LockCore.AcquireAsync(State, deadline, cancellationToken).ConfigureAwait(false);
        return acquired ? Took(abandoned) : null;
    }

    /// <summary>Releases one acquisition by the owning thread.</summary>
    /// <exception cref="SynchronizationLockException">This thread does not own the lock.</exception>
    public unsafe void Release()
    {
        using SegmentLease use = Enter();
        var s = (LockState*)State;
        if (!OwnedHere(s))
        {
            throw new SynchronizationLockException($"The recursive lock '{Name}' is not owned by this thread: only its owner may release it.");
        }

        ReleaseOwned(s);
    }

    /// <summary>Closes the lock in this process; it is removed once no process has it open. A lock that belongs to a shared array or value lives as long as that.</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/> (releasing a handle too); acquires waiting in this process are woken and throw it (a lock of an array: once the array is closed).</remarks>
    public void Dispose()
    {
        Volatile.Write(ref disposed, 1);
        if (ownsSegment)
        {
            segment.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"SharedRLock('{Name}')";

    /// <summary>Whether <see cref="Dispose"/> was called on this object.</summary>
    internal bool IsDisposed => Volatile.Read(ref disposed) != 0;

    /// <summary>Whether some thread of any process holds the lock now (Python's <c>locked()</c>).</summary>
    /// <remarks>
    /// A snapshot: another thread or process may take or release it the moment after. True also while the holder is a
    /// process that died holding it, until the next acquire takes it over (and sees <see cref="LockHandle.WasAbandoned"/>).
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The lock was disposed.</exception>
    public unsafe bool IsLocked
    {
        get
        {
            using SegmentLease use = Enter();
            return LockCore.Holder((LockState*)State) != 0;
        }
    }

    /// <summary>Whether the calling thread holds the lock (Python's <c>_is_owned()</c>, .NET's <see cref="Lock.IsHeldByCurrentThread"/>).</summary>
    /// <exception cref="ObjectDisposedException">The lock was disposed.</exception>
    public unsafe bool IsHeldByCurrentThread
    {
        get
        {
            using SegmentLease use = Enter();
            return OwnedHere((LockState*)State);
        }
    }

    /// <summary>How many times the calling thread holds the lock: 0 if it does not (Python's <c>_recursion_count()</c>).</summary>
    /// <exception cref="ObjectDisposedException">The lock was disposed.</exception>
    public unsafe int RecursionCount
    {
        get
        {
            using SegmentLease use = Enter();
            var s = (LockState*)State;
            return OwnedHere(s) ? Volatile.Read(ref s->Count) : 0;
        }
    }

    /// <summary>Fully releases the lock, returning the recursion count (for a condition's wait).</summary>
    internal unsafe int ReleaseAll()
    {
        using SegmentLease use = Enter();
        var s = (LockState*)State;
        int count = s->Count;
        s->Count = 1;
        Release();
        return count;
    }

    /// <summary>Re-acquires after <see cref="ReleaseAll"/>, restoring the recursion count.</summary>
    internal unsafe void Restore(int count)
    {
        using SegmentLease use = Enter();
        _ = Acquire();
        ((LockState*)State)->Count = count;
    }

    /// <inheritdoc/>
    unsafe void IHandleOwner.ReleaseTicket(int depth)
    {
        using SegmentLease use = Enter();
        var s = (LockState*)State;
        if (OwnedHere(s) && s->Count == depth)
        {
            ReleaseOwned(s);
        }
    }

    private static unsafe void ReleaseOwned(LockState* s)
    {
        if (--s->Count == 0)
        {
            s->OwnerThread = 0;
            LockCore.Release(s);
        }
    }

    private static unsafe bool OwnedBy(LockState* s, int thread) =>
        LockCore.Holder(s) == LockCore.Me && Volatile.Read(ref s->OwnerThread) == thread;

    private static SharedRLock OpenEmbedded(string arrayName)
    {
        Segment segment = Segment.Open(arrayName, SegmentKind.Array);
        return new SharedRLock(segment, ownsSegment: true, arrayName + EmbeddedSuffix);
    }

    private static unsafe bool OwnedHere(LockState* s) => OwnedBy(s, Environment.CurrentManagedThreadId);

    private unsafe LockHandle Took(bool abandoned)
    {
        var s = (LockState*)State;
        s->OwnerThread = Environment.CurrentManagedThreadId;
        s->Count = 1;
        return Handle(1, abandoned);
    }

    private LockHandle Handle(int depth, bool abandoned) => new(this, depth, abandoned);

    /// <summary>Counts a call in progress on the segment (see <see cref="Segment.Enter"/>); a lock of an array is closed by its own Dispose too.</summary>
    private SegmentLease Enter()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return segment.Enter(this);
    }
}
