using System.Runtime.CompilerServices;
using System.Text;
using Multiprocessing.Interop;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A condition variable shared by threads and processes (Python's <c>multiprocessing.Condition</c>), over a
/// <see cref="SharedRLock"/> (the default) or a <see cref="SharedLock"/>: wait releases the lock and sleeps until
/// notified; <see cref="WaitFor"/> waits for a predicate; <see cref="Notify"/> wakes up to n waiters.
/// </summary>
/// <remarks>
/// As everywhere, a waiter may wake without a notification (another waiter took it first, or the lock's State
/// changed); test your condition in a loop, or use <see cref="WaitFor"/>. Wait and notify must be called with the
/// lock held, or they throw <see cref="SynchronizationLockException"/>.
/// </remarks>
public sealed class SharedCondition : IDisposable, INamedObject<SharedCondition>
{
    private const int MaxLockName = 512;
    private readonly Segment segment;

    private readonly SharedRLock? rlock;
    private readonly SharedLock? plainLock;
    private readonly bool ownsLock;

    private SharedCondition(Segment segment, SharedRLock? rlock, SharedLock? plainLock, bool ownsLock)
    {
        this.segment = segment;
        this.rlock = rlock;
        this.plainLock = plainLock;
        this.ownsLock = ownsLock;
    }

    /// <summary>The shared state's address; throws once the object is closed, instead of touching unmapped memory.</summary>
    private nint State => segment.DataFor(this);

    /// <summary>The name other processes open it by.</summary>
    public string Name => segment.Name;

    /// <summary>How many threads (of any process) wait on the condition now: for tests that must know their waiters sleep.</summary>
    internal unsafe int WaiterCount => Volatile.Read(ref ((ConditionState*)State)->Waiters);

    /// <summary>Creates a condition over a new recursive lock, or over <paramref name="lockObject"/>.</summary>
    /// <param name="lockObject">The recursive lock to use, or null for a new one (closed with the condition).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The condition.</returns>
    public static SharedCondition Create(SharedRLock? lockObject = null, string? name = null)
    {
        SharedRLock rl = lockObject ?? SharedRLock.Create();
        try
        {
            return New(name, 1, rl.Name, rl, null, ownsLock: lockObject is null);
        }
        catch
        {
            if (lockObject is null)
            {
                rl.Dispose();
            }

            throw;
        }
    }

    /// <summary>Creates a condition over a (non-recursive) <see cref="SharedLock"/>.</summary>
    /// <param name="lockObject">The lock to use.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The condition.</returns>
    public static SharedCondition Create(SharedLock lockObject, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(lockObject);
        return New(name, 0, lockObject.Name, null, lockObject, ownsLock: false);
    }

    /// <summary>Opens a condition created by this or another process, with its lock.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The condition.</returns>
    /// <exception cref="FileNotFoundException">No such condition, or its lock is gone.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static unsafe SharedCondition Open(string name)
    {
        Segment segment = Segment.Open(name, SegmentKind.Condition);
        try
        {
            byte* tail = segment.Data + Unsafe.SizeOf<ConditionState>();
            byte kind = tail[0];
            int length = *(int*)(tail + 1);
            string lockName = Encoding.UTF8.GetString(tail + 5, length);
            return kind == 1
                ? new SharedCondition(segment, SharedRLock.Open(lockName), null, ownsLock: true)
                : new SharedCondition(segment, null, SharedLock.Open(lockName), ownsLock: true);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>Acquires the condition's lock.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using SegmentLease use = segment.Enter(this);
        return rlock is not null ? rlock.Acquire(timeout, cancellationToken) : plainLock!.Acquire(timeout, cancellationToken);
    }

    /// <summary>Acquires the condition's lock asynchronously.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        return rlock is not null ? rlock.AcquireAsync(timeout, cancellationToken) : plainLock!.AcquireAsync(timeout, cancellationToken);
    }

    /// <summary>Releases the condition's lock.</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held.</exception>
    public void Release()
    {
        using SegmentLease use = segment.Enter(this);
        if (rlock is not null)
        {
            rlock.Release();
        }
        else
        {
            plainLock!.Release();
        }
    }

    /// <summary>Releases the lock, sleeps until notified, and takes the lock back.</summary>
    /// <param name="timeout">How long to wait for a notification; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait (the lock is taken back first).</param>
    /// <exception cref="TimeoutException">No notification within <paramref name="timeout"/> (the lock is held again).</exception>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public void Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfFalse(TryWait(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotNotified, Name, timeout);

    private const string NotNotified = "The condition '{0}' was not notified within {1}.";

    /// <summary>Releases the lock, sleeps until notified or until <paramref name="timeout"/>, and takes the lock back (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait (the lock is taken back first).</param>
    /// <returns>False if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Blocking.Wait(TryWait<Blocking>(timeout, cancellationToken));

    /// <summary>Waits until <paramref name="predicate"/> is true (Python's <c>wait_for</c>), with the lock held throughout except while sleeping.</summary>
    /// <param name="predicate">The condition to wait for, evaluated with the lock held.</param>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The predicate's last value: false only if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(WaitFor<Blocking>(predicate, timeout, cancellationToken));

    /// <summary>The asynchronous twin of <see cref="Wait"/>.</summary>
    /// <param name="timeout">How long to wait for a notification; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait (the lock is taken back first).</param>
    /// <returns>A task that completes once notified, with the lock held again.</returns>
    /// <exception cref="TimeoutException">No notification within <paramref name="timeout"/> (the lock is held again).</exception>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public ValueTask WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.ThrowIfFalse(TryWaitAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken), NotNotified, Name, timeout);

    /// <summary>The asynchronous twin of <see cref="WaitFor"/>.</summary>
    /// <param name="predicate">The condition to wait for, evaluated with the lock held.</param>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The predicate's last value: false only if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitFor<Awaiting>(predicate, timeout, cancellationToken);

    /// <summary>The one body of <see cref="WaitFor"/> and <see cref="WaitForAsync"/>: a predicate true at once needs no state machine.</summary>
    private ValueTask<bool> WaitFor<TMode>(Func<bool> predicate, TimeSpan? timeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.After(timeout);
        return predicate() ? new(true) : WaitUntil<TMode>(predicate, deadline, cancellationToken);
    }

    /// <summary>Waits for notifications until <paramref name="predicate"/>, false so far, is true, or the time is up (then its last value).</summary>
    private async ValueTask<bool> WaitUntil<TMode>(Func<bool> predicate, Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        do
        {
            long left = deadline.RemainingMs;
            if (left == 0)
            {
                return predicate();
            }

            await TryWait<TMode>(left < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(left), cancellationToken).ConfigureAwait(false);
        }
        while (!predicate());

        return true;
    }

    /// <summary>The asynchronous twin of <see cref="TryWait"/>. Over a recursive lock, the continuation becomes the lock's owner thread.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait (the lock is taken back first).</param>
    /// <returns>False if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        TryWait<Awaiting>(timeout, cancellationToken);

    /// <summary>The one body of <see cref="TryWait"/> and <see cref="TryWaitAsync"/>.</summary>
    private async ValueTask<bool> TryWait<TMode>(TimeSpan timeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        using SegmentLease use = segment.Enter(this);
        var deadline = Deadline.After(timeout);
        EnsureHeld("wait");
        int sequence = ReadSequence();
        AddWaiter(1);
        int saved = ReleaseForWait();
        try
        {
            // Only a notify (a new sequence number) ends the wait early: not a signal, not a spurious wake-up.
            while (ReadSequence() == sequence)
            {
                if (!await FutexSleep.Sleep<TMode>(SequenceWord(), sequence, deadline, 0, cancellationToken).ConfigureAwait(false))
                {
                    return ReadSequence() != sequence;
                }
            }

            return true;
        }
        finally
        {
            AddWaiter(-1);
            Reacquire(saved);
        }
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters (Python's <c>notify(n)</c>).</summary>
    /// <param name="count">How many (1 or more).</param>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public unsafe void Notify(int count = 1)
    {
        using SegmentLease use = segment.Enter(this);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        EnsureHeld("notify");
        var s = (ConditionState*)State;
        if (Volatile.Read(ref s->Waiters) > 0)
        {
            Interlocked.Increment(ref s->Sequence);
            Libc.FutexWake(&s->Sequence, count);
        }
    }

    /// <summary>Wakes every waiter (Python's <c>notify_all()</c>).</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held by the caller.</exception>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>Closes the condition in this process, and the lock it made or opened (not a lock given to <see cref="Create(SharedRLock?, string?)"/>).</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>; waits in this process are woken and throw it (without taking the lock back if it was closed too).</remarks>
    public void Dispose()
    {
        segment.Dispose();
        if (ownsLock)
        {
            rlock?.Dispose();
            plainLock?.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"SharedCondition('{Name}')";

    private static unsafe SharedCondition New(string? name, byte kind, string lockName, SharedRLock? rl, SharedLock? pl, bool ownsLock)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(lockName);
        if (bytes.Length > MaxLockName)
        {
            throw new ArgumentException($"The lock's name is longer than {MaxLockName} bytes.", nameof(lockName));
        }

        Segment segment = Segment.Create(name, Unsafe.SizeOf<ConditionState>() + 5 + MaxLockName, SegmentKind.Condition, 0);
        byte* tail = segment.Data + Unsafe.SizeOf<ConditionState>();
        tail[0] = kind;
        *(int*)(tail + 1) = bytes.Length;
        bytes.CopyTo(new Span<byte>(tail + 5, bytes.Length));
        return new SharedCondition(segment, rl, pl, ownsLock);
    }

    private void EnsureHeld(string what)
    {
        bool held = rlock?.IsHeldByCurrentThread ?? plainLock!.IsHeldByThisProcess;
        if (!held)
        {
            throw new SynchronizationLockException($"Cannot {what} on the condition '{Name}' without holding its lock: acquire it first.");
        }
    }

    private int ReleaseForWait()
    {
        if (rlock is not null)
        {
            return rlock.ReleaseAll();
        }

        plainLock!.ReleaseForWait();
        return 1;
    }

    private void Reacquire(int saved)
    {
        if (rlock is not null)
        {
            rlock.Restore(saved);
        }
        else
        {
            plainLock!.ReacquireAfterWait();
        }
    }

    private unsafe nint SequenceWord() => (nint)(&((ConditionState*)State)->Sequence);

    private unsafe int ReadSequence() => Volatile.Read(ref ((ConditionState*)State)->Sequence);

    private unsafe void AddWaiter(int delta) => Interlocked.Add(ref ((ConditionState*)State)->Waiters, delta);
}
