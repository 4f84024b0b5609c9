using System.Runtime.CompilerServices;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A counting semaphore shared by threads and processes (Python's <c>multiprocessing.Semaphore</c> and, with a
/// maximum, <c>BoundedSemaphore</c>). Waiting spins briefly, then sleeps in the kernel.
/// </summary>
/// <remarks>
/// A semaphore has no owner: a permit taken by a process that dies is not given back (as with POSIX and Python
/// semaphores). If that matters, release in a <c>finally</c>, or use a <see cref="SharedLock"/>, which detects a
/// dead holder.
/// </remarks>
public sealed class SharedSemaphore : SharedPrimitive, INamedObject<SharedSemaphore>
{
    private SharedSemaphore(Segment segment)
        : base(segment)
    {
    }

    /// <summary>The most permits a bounded semaphore holds; null if unbounded.</summary>
    public unsafe int? MaximumCount
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return ((SemaphoreState*)State)->Max is > 0 and var max ? max : null;
        }
    }

    /// <summary>How many permits are free now (Python's <c>get_value()</c>, .NET's <see cref="SemaphoreSlim.CurrentCount"/>).</summary>
    /// <remarks>A snapshot: another thread or process may acquire or release the moment after; use it for display and tests, not to decide whether an acquire will wait.</remarks>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed.</exception>
    public unsafe int CurrentCount
    {
        get
        {
            using SegmentLease use = Segment.Enter(this);
            return Volatile.Read(ref ((SemaphoreState*)State)->Count);
        }
    }

    /// <summary>How many threads (of any process) sleep in an acquire now: for tests that must know their waiters sleep.</summary>
    internal unsafe int WaiterCount => Volatile.Read(ref ((SemaphoreState*)State)->Waiters);

    /// <summary>Creates a semaphore with <paramref name="initialCount"/> permits (Python's <c>Semaphore(value)</c>).</summary>
    /// <param name="initialCount">Permits available at first (0 or more).</param>
    /// <param name="maximumCount">The most it may hold (a release past it throws), or null for no bound.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The semaphore.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative, or the maximum is below the initial count.</exception>
    public static unsafe SharedSemaphore Create(int initialCount = 1, int? maximumCount = null, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        if (maximumCount is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, Math.Max(1, initialCount), nameof(maximumCount));
        }

        var semaphore = new SharedSemaphore(Segment.Create(name, Unsafe.SizeOf<SemaphoreState>(), SegmentKind.Semaphore, 0));
        var s = (SemaphoreState*)semaphore.State;
        s->Max = maximumCount ?? 0;
        s->Count = initialCount;
        return semaphore;
    }

    /// <summary>Creates a bounded semaphore (Python's <c>BoundedSemaphore(value)</c>): it never holds more than <paramref name="initialCount"/>.</summary>
    /// <param name="initialCount">Permits available at first, and the most it may hold.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The semaphore.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCount"/> is less than 1.</exception>
    public static SharedSemaphore CreateBounded(int initialCount = 1, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCount, 1);
        return Create(initialCount, initialCount, name);
    }

    /// <summary>Opens a semaphore created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The semaphore.</returns>
    /// <exception cref="FileNotFoundException">No such semaphore.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedSemaphore Open(string name) => new(Segment.Open(name, SegmentKind.Semaphore));

    /// <summary>Takes a permit, waiting as long as needed or until <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that gives the permit back when disposed (<c>using</c> is Python's <c>with</c>).</returns>
    /// <exception cref="TimeoutException">No permit within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Timeouts.ThrowIfFalse(TryAcquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NoPermit, Name, timeout);
        return Handle();
    }

    /// <summary>Takes a permit if one is free within <paramref name="timeout"/> (by default, only if one is free now).</summary>
    /// <param name="timeout">How long to wait; zero to not wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if a permit was taken (give it back with <see cref="Release"/>).</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public unsafe bool TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Segment.Enter(this);
        return SemaphoreCore.Take((SemaphoreState*)State, Deadline.After(timeout), cancellationToken);
    }

    /// <summary>Takes a permit asynchronously: no thread is blocked while waiting.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that gives the permit back when disposed.</returns>
    /// <exception cref="TimeoutException">No permit within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public async ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await Timeouts.ThrowIfFalse(TryAcquireAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NoPermit, Name, timeout).ConfigureAwait(false);
        return Handle();
    }

    private const string NoPermit = "No permit of the semaphore '{0}' within {1}.";

    /// <summary>Takes a permit asynchronously if one is free within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if a permit was taken.</returns>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = Segment.Enter(this);
        return TryTakeNow() ? ValueTask.FromResult(true) : TakeAsync(Deadline.After(timeout), cancellationToken);
    }

    /// <summary>Gives back <paramref name="count"/> permits, from any thread of any process.</summary>
    /// <param name="count">How many (1 or more).</param>
    /// <exception cref="SemaphoreFullException">A bounded semaphore would hold more than its maximum.</exception>
    public unsafe void Release(int count = 1)
    {
        using SegmentLease use = Segment.Enter(this);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        SemaphoreCore.Give((SemaphoreState*)State, count);
    }

    /// <inheritdoc/>
    public override string ToString() => $"SharedSemaphore('{Name}')";

    private unsafe bool TryTakeNow() => SemaphoreCore.TryTake((SemaphoreState*)State);

    /// <summary>The asynchronous wait for a permit, counted as a call in progress until it ends.</summary>
    private async ValueTask<bool> TakeAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        using SegmentLease use = Segment.Enter(this);
        return await SemaphoreCore.TakeAsync(State, deadline, cancellationToken).ConfigureAwait(false);
    }

    private LockHandle Handle() => new(new Permit(this), 0, false);

    /// <summary>One permit held through a handle: given back once.</summary>
    private sealed class Permit(SharedSemaphore owner) : IHandleOwner
    {
        private int returned;

        public void ReleaseTicket(int ticket)
        {
            if (Interlocked.Exchange(ref returned, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
