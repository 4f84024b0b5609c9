using System.Runtime.CompilerServices;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A lock shared by threads and processes (Python's <c>multiprocessing.Lock</c>): one holder at a time; any thread
/// of any process may release it. Waiting spins briefly, then sleeps in the kernel.
/// </summary>
/// <remarks>
/// If the holding process dies (even by SIGKILL), the next acquirer gets the lock, with
/// <see cref="LockHandle.WasAbandoned"/> set. It is not recursive: a thread that acquires it twice waits for
/// another thread to release it, as in Python; use <see cref="SharedRLock"/> for that. Pass it to a
/// <see cref="ChildProcess"/> as an argument or a captured variable and the child uses the same lock.
/// </remarks>
/// <example>
/// <code>
/// using var lk = SharedLock.Create();
/// using (lk.Acquire())
/// {
///     // one process at a time
/// }
/// </code>
/// </example>
public sealed class SharedLock : SharedPrimitive, IHandleOwner, INamedObject<SharedLock>
{
    private int ticket;

    private SharedLock(Segment segment)
        : base(segment)
    {
    }

    /// <summary>Creates a lock, initially free.</summary>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The lock.</returns>
    /// <exception cref="IOException">A shared object of that name exists already.</exception>
    public static SharedLock Create(string? name = null)
    {
        return new SharedLock(Segment.Create(name, Unsafe.SizeOf<LockState>(), SegmentKind.Lock, 0));
    }

    /// <summary>Opens a lock created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The lock.</returns>
    /// <exception cref="FileNotFoundException">No such lock.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedLock Open(string name)
    {
        return new SharedLock(Segment.Open(name, SegmentKind.Lock));
    }

    /// <summary>Acquires the lock, waiting as long as needed or until <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null or <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfNull(TryAcquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotAcquired, Name, timeout);

    /// <summary>Acquires the lock if it becomes free within <paramref name="timeout"/> (by default, only if it is free now).</summary>
    /// <param name="timeout">How long to wait; zero to not wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle, or null if the lock was not acquired.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public unsafe LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Segment.Enter(this);
        var deadline = Deadline.After(timeout);
        return LockCore.Acquire((LockState*)State, deadline, cancellationToken, out bool abandoned) ? Handle(abandoned) : null;
    }

    /// <summary>Acquires the lock asynchronously: no thread is blocked while waiting.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfNull(TryAcquireAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotAcquired, Name, timeout);

    /// <summary>Acquires the lock asynchronously if it becomes free within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle, or null if the lock was not acquired.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public async ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Segment.Enter(this);
        var deadline = Deadline.After(timeout);
        if (TryNow())
        {
            return Handle(false);
        }

        (bool acquired, bool abandoned) = await LockCore.AcquireAsync((nint)State, Deadline.After(timeout), cancellationToken).ConfigureAwait(false);
        return acquired ? Handle(abandoned) : null;
    }

    /// <summary>Releases the lock, from any thread of any process (Python's <c>release()</c>).</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held.</exception>
    public unsafe void Release()
    {
        using SegmentLease use = Segment.Enter(this);
        Interlocked.Increment(ref ticket);
        LockCore.Release((LockState*)State);
    }

    /// <inheritdoc/>
    public override string ToString() => $"SharedLock('{Name}')";

    /// <inheritdoc/>
    unsafe void IHandleOwner.ReleaseTicket(int t)
    {
        using SegmentLease use = Segment.Enter(this);
        if (Interlocked.CompareExchange(ref ticket, t + 1, t) == t)
        {
            LockCore.Release((LockState*)State);
        }
    }

    private unsafe bool TryNow() => LockCore.TryAcquire((LockState*)State);

    /// <summary>Releases for a condition's wait, leaving the caller's handle valid for the re-acquired lock.</summary>
    internal unsafe void ReleaseForWait()
    {
        using SegmentLease use = Segment.Enter(this);
        LockCore.Release((LockState*)State);
    }

    /// <summary>Takes the lock back after a condition's wait (for ever), leaving the caller's handle valid.</summary>
    internal unsafe void ReacquireAfterWait()
    {
        using SegmentLease use = Segment.Enter(this);
        LockCore.Acquire((LockState*)State, Deadline.Never, CancellationToken.None, out _);
    }

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
            using SegmentLease use = Segment.Enter(this);
            return LockCore.Holder((LockState*)State) != 0;
        }
    }

    /// <summary>True if some thread of this process holds the lock (what a condition can check).</summary>
    internal unsafe bool IsHeldByThisProcess
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return LockCore.Holder((LockState*)State) == LockCore.Me;
        }
    }

    private const string NotAcquired = "The lock '{0}' was not acquired within {1}.";

    private LockHandle Handle(bool abandoned) => new(this, Volatile.Read(ref ticket), abandoned);
}
