using System.Diagnostics;
using Multiprocessing.Managers;
using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>
/// A proxy to a condition variable held by a <see cref="Manager"/> (Python's <c>manager.Condition()</c>): processes
/// wait in the manager until another process notifies them. <c>using (cond.Acquire()) { cond.Wait(); }</c> is
/// Python's <c>with cond: cond.wait()</c>.
/// </summary>
/// <remarks>
/// <para>
/// The condition has a lock: a re-entrant one of its own, or a <see cref="ManagedLock"/> of the same manager given
/// to <see cref="Manager.Condition"/>. As in Python's manager, holding is per proxy (per connection): acquire the
/// lock through this proxy (<see cref="Acquire"/>) before <see cref="Wait"/> or <see cref="Notify"/>, which
/// otherwise throw <see cref="SynchronizationLockException"/>. <see cref="Wait"/> releases the lock in the manager
/// and takes it again before it returns, even when it times out.
/// </para>
/// <para>
/// A process that dies while it holds the lock has it released by the manager (as <see cref="ManagedLock"/>
/// does), so the others are not wedged; one that dies while it waits is dropped from the waiters, and a
/// notification it had been sent but not acted on passes to the next waiter. Waiters are woken in the order they
/// began to wait. Pass the proxy to a child declared as <see cref="ManagedCondition"/>; it connects to the manager
/// there. A proxy is one connection: a thread waiting on it holds up the proxy's other calls, so give each thread
/// its own proxy (pass it, or use a named condition).
/// </para>
/// <para>
/// Every blocking call has an async twin (<c>...Async</c>) that holds no thread while the manager waits, and takes a
/// <see cref="CancellationToken"/>, as the blocking forms do. With a token that can be cancelled, the wait is made of
/// requests of at most 100 ms, the token checked between them: a cancellation is seen within 100 ms and throws
/// <see cref="OperationCanceledException"/>, and what the request in flight obtained when the token fired is returned,
/// not lost (the result wins over a late cancellation). Between those requests the proxy's other calls go through;
/// a wait without such a token holds up the proxy's other calls, blocking or async, until it ends.
/// </para>
/// </remarks>
public sealed class ManagedCondition : IDisposable, ISharedObject<ManagedCondition>, IHandleOwner
{
    private readonly ManagerChannel channel;
    private readonly long id;
    private readonly bool reentrant;

    /// <summary>Guards <see cref="ticket"/> and <see cref="acquisition"/>, which replies read on the blocking and the asynchronous paths.</summary>
    private readonly Lock state = new();

    /// <summary>The last handle this proxy gave out for a non-re-entrant lock (under <see cref="state"/>).</summary>
    private int ticket;

    /// <summary>The manager's number for this proxy's current acquisition of a non-re-entrant lock; a wait changes it.</summary>
    private int acquisition;

    internal ManagedCondition(ManagerChannel channel, long id, bool reentrant)
    {
        this.channel = channel;
        this.id = id;
        this.reentrant = reentrant;
    }

    /// <inheritdoc/>
    string ISharedObject<ManagedCondition>.Descriptor => (reentrant ? "r" : "l") + channel.Describe(id);

    /// <summary>Waits for the condition's lock (Python's <c>acquire()</c>; <c>with cond:</c> with <c>using</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that releases the lock when disposed; <see cref="LockHandle.WasAbandoned"/> if its last holder died holding it.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        TryAcquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken) ?? throw new TimeoutException($"The managed condition's lock was not free within {timeout}.");

    /// <summary>Takes the condition's lock if it becomes free within <paramref name="timeout"/> (Python's <c>acquire(blocking=False)</c> for zero).</summary>
    /// <param name="timeout">How long to wait; zero to try once.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that releases the lock when disposed, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        return channel.Wait<LockHandle?>(ManagerOp.LockAcquire, id, ms, ManagerChannel.WriteMilliseconds, ParseAcquire, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="Acquire"/>: no thread waits while the manager does.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that releases the lock when disposed; <see cref="LockHandle.WasAbandoned"/> if its last holder died holding it.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));
        return await channel.WaitAsync<LockHandle?>(ManagerOp.LockAcquire, id, ms, ManagerChannel.WriteMilliseconds, ParseAcquire, cancellationToken).ConfigureAwait(false)
            ?? throw new TimeoutException($"The managed condition's lock was not free within {timeout}.");
    }

    /// <summary>Releases the condition's lock (Python's <c>release()</c>).</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held (for the condition's own re-entrant lock: not through this proxy).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Release() => ReleaseCore(any: true, 0);

    /// <summary>
    /// Releases the lock, waits until another process notifies this one or <paramref name="timeout"/> passes, then
    /// takes the lock again (Python's <c>wait(timeout)</c>). As with any condition, wait in a loop that checks what
    /// you wait for (or use <see cref="WaitFor"/>).
    /// </summary>
    /// <param name="timeout">How long to wait for a notification; null for ever. Taking the lock again afterwards is not limited by it.</param>
    /// <param name="cancellationToken">
    /// Stops the wait; the lock is taken back first, as on a timeout. With a token that can be cancelled, the wait is
    /// made of slices of 100 ms, each of which releases the lock, waits, and takes it back in the manager; so the
    /// cancellation is seen once a slice has ended and the lock is held again, and a notification is never missed
    /// (a notifier must hold the lock: this proxy holds it between slices, and a slice whose time ran out keeps its
    /// place in the waiters' line until it has the lock back), but a sliced waiter joins the end of the waiters'
    /// line at each slice. A notification that arrives as the token fires is returned (true).
    /// </param>
    /// <returns>True if notified, false if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (the lock is held again).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));
        try
        {
            return channel.Wait<bool>(ManagerOp.ConditionWait, id, ms, ManagerChannel.WriteMilliseconds, ParseWait, cancellationToken);
        }
        catch (RemoteException e) when (e.RemoteType == typeof(SynchronizationLockException).FullName)
        {
            throw new SynchronizationLockException(e.RemoteMessage, e);
        }
    }

    /// <summary>The asynchronous twin of <see cref="Wait"/>: no thread waits while the manager does.</summary>
    /// <param name="timeout">How long to wait for a notification; null for ever. Taking the lock again afterwards is not limited by it.</param>
    /// <param name="cancellationToken">Stops the wait, as in <see cref="Wait"/> (the lock is taken back first).</param>
    /// <returns>True if notified, false if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (the lock is held again).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));
        try
        {
            return await channel.WaitAsync<bool>(ManagerOp.ConditionWait, id, ms, ManagerChannel.WriteMilliseconds, ParseWait, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteException e) when (e.RemoteType == typeof(SynchronizationLockException).FullName)
        {
            throw new SynchronizationLockException(e.RemoteMessage, e);
        }
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> is true (Python's <c>wait_for(predicate, timeout)</c>): checks it,
    /// then waits for a notification and checks again, holding the lock at each check.
    /// </summary>
    /// <param name="predicate">What to wait for; called in this process, with the lock held.</param>
    /// <param name="timeout">How long to wait in all; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait, as in <see cref="Wait"/> (the lock is taken back first).</param>
    /// <returns>The predicate's last value: false if the time ran out first.</returns>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (the lock is held again).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        channel.ThrowIfDisposed(this);
        ArgumentNullException.ThrowIfNull(predicate);
        bool forever = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout)) < 0;
        long start = Stopwatch.GetTimestamp();
        bool result = predicate();
        while (!result && TimeLeft(forever, timeout, start, out TimeSpan? left))
        {
            Wait(left, cancellationToken);
            result = predicate();
        }

        return result;
    }

    /// <summary>The asynchronous twin of <see cref="WaitFor"/>.</summary>
    /// <param name="predicate">What to wait for; called in this process, with the lock held.</param>
    /// <param name="timeout">How long to wait in all; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait, as in <see cref="Wait"/> (the lock is taken back first).</param>
    /// <returns>The predicate's last value: false if the time ran out first.</returns>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first (the lock is held again).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        channel.ThrowIfDisposed(this);
        ArgumentNullException.ThrowIfNull(predicate);
        bool forever = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout)) < 0;
        long start = Stopwatch.GetTimestamp();
        bool result = predicate();
        while (!result && TimeLeft(forever, timeout, start, out TimeSpan? left))
        {
            await WaitAsync(left, cancellationToken).ConfigureAwait(false);
            result = predicate();
        }

        return result;
    }

    /// <summary>What is left of <paramref name="timeout"/> since <paramref name="start"/> (null for ever); false once nothing is.</summary>
    private static bool TimeLeft(bool forever, TimeSpan? timeout, long start, out TimeSpan? left)
    {
        left = forever ? null : timeout!.Value - Stopwatch.GetElapsedTime(start);
        return left is null || left > TimeSpan.Zero;
    }

    /// <summary>Wakes at most <paramref name="n"/> of the processes waiting (Python's <c>notify(n)</c>); they go on once they have the lock again.</summary>
    /// <param name="n">How many (1 or more).</param>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Notify(int n = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.ConditionNotify, id).WriteInt32(n);
            InvokeTranslated();
        }
    }

    /// <summary>Wakes every process waiting (Python's <c>notify_all()</c>).</summary>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>Closes this proxy's connection to the manager; the lock, if this proxy holds it, is released there, and the condition dropped if nothing else holds it (another proxy, a copy on its way to another process, or its name).</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedCondition #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedCondition ISharedObject<ManagedCondition>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor[1..], out long id);
        return new ManagedCondition(channel, id, descriptor.StartsWith('r'));
    }

    /// <inheritdoc/>
    void IHandleOwner.ReleaseTicket(int t)
    {
        if (t == -1)
        {
            ReleaseCore(any: true, 0);
            return;
        }

        lock (channel.Gate)
        {
            int number;
            lock (state)
            {
                if (t != ticket)
                {
                    return;
                }

                number = acquisition;
            }

            ReleaseCore(any: false, number);
        }
    }

    private bool ParseAcquire(WireReader reply, out LockHandle? handle)
    {
        bool acquired = reply.ReadBool();
        bool wasAbandoned = reply.ReadBool();
        int number = reply.ReadInt32();
        if (!acquired)
        {
            handle = null;
        }
        else if (reentrant)
        {
            handle = new LockHandle(this, -1, wasAbandoned);
        }
        else
        {
            lock (state)
            {
                acquisition = number;
                ticket = ticket == int.MaxValue ? 0 : ticket + 1;
                handle = new LockHandle(this, ticket, wasAbandoned);
            }
        }

        return acquired;
    }

    private bool ParseWait(WireReader reply, out bool notified)
    {
        notified = reply.ReadBool();
        lock (state)
        {
            acquisition = reply.ReadInt32(); // the handle this proxy gave out now stands for the new acquisition
        }

        return notified;
    }

    /// <summary>Releases the lock; with <paramref name="any"/> false, only if <paramref name="number"/> is still the current acquisition.</summary>
    private void ReleaseCore(bool any, int number)
    {
        lock (channel.Gate)
        {
            WireBuffer args = channel.Begin(ManagerOp.LockRelease, id);
            args.WriteByte(any ? (byte)1 : (byte)0);
            args.WriteInt32(number);
            InvokeTranslated();
        }
    }

    /// <summary>Invokes the request begun; a lock not held in the manager throws <see cref="SynchronizationLockException"/> here, as the BCL's conditions do.</summary>
    private ReadOnlySpan<byte> InvokeTranslated()
    {
        try
        {
            return channel.Invoke();
        }
        catch (RemoteException e) when (e.RemoteType == typeof(SynchronizationLockException).FullName)
        {
            throw new SynchronizationLockException(e.RemoteMessage, e);
        }
    }
}
