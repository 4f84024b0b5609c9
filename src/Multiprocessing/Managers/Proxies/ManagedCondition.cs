using System.Diagnostics;
using Multiprocessing.Managers;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

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
/// lock through this proxy (<see cref="ManagedLockable.Acquire"/>) before <see cref="Wait"/> or <see cref="Notify"/>, which
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
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
public sealed class ManagedCondition : ManagedLockable, ISharedObject<ManagedCondition>
{
    /// <summary>Guards <see cref="ticket"/> and <see cref="acquisition"/>, which replies read on the blocking and the asynchronous paths.</summary>
    private readonly Lock state = new();

    /// <summary>Held around a handle's release (its ticket's check and the request), so that two releases through this proxy do not interleave.</summary>
    private readonly Lock releasing = new();

    /// <summary>The last handle this proxy gave out for a non-re-entrant lock (under <see cref="state"/>).</summary>
    private int ticket;

    /// <summary>The manager's number for this proxy's current acquisition of a non-re-entrant lock; a wait changes it.</summary>
    private int acquisition;

    internal ManagedCondition(ManagerChannel channel, long id, bool reentrant)
        : base(channel, id, reentrant)
    {
    }

    /// <inheritdoc/>
    string ISharedObject<ManagedCondition>.Descriptor => DescribeLock();

    /// <inheritdoc/>
    private protected override string NotFree => "The managed condition's lock was not free within";

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
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(WaitCore<Blocking>(timeout, cancellationToken));

    /// <summary>The asynchronous twin of <see cref="Wait"/>: no thread waits while the manager does.</summary>
    /// <returns>True if notified, false if the time ran out.</returns>
    /// <inheritdoc cref="Wait"/>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitCore<Awaiting>(timeout, cancellationToken);

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
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(WaitForCore<Blocking>(predicate, timeout, cancellationToken));

    /// <summary>The asynchronous twin of <see cref="WaitFor"/>.</summary>
    /// <returns>The predicate's last value: false if the time ran out first.</returns>
    /// <inheritdoc cref="WaitFor"/>
    public ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForCore<Awaiting>(predicate, timeout, cancellationToken);

    /// <summary><see cref="Wait"/>, blocking the thread or not as <typeparamref name="TMode"/> says.</summary>
    private async ValueTask<bool> WaitCore<TMode>(TimeSpan? timeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        try
        {
            return (await Channel.Wait<TMode, bool>(ManagerOp.ConditionWait, Id, Milliseconds(timeout), ManagerChannel.WriteMilliseconds, ParseWait, cancellationToken).ConfigureAwait(false)).Result;
        }
        catch (RemoteException e) when (IsLockError(e))
        {
            throw LockError(e);
        }
    }

    /// <summary><see cref="WaitFor"/>, blocking the thread or not as <typeparamref name="TMode"/> says.</summary>
    private async ValueTask<bool> WaitForCore<TMode>(Func<bool> predicate, TimeSpan? timeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(predicate);
        bool forever = Milliseconds(timeout) < 0;
        long start = Stopwatch.GetTimestamp();
        bool result = predicate();
        while (!result && TimeLeft(forever, timeout, start, out TimeSpan? left))
        {
            await WaitCore<TMode>(left, cancellationToken).ConfigureAwait(false);
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
        try
        {
            Call(ManagerOp.ConditionNotify, n, static (args, n) => args.WriteInt32(n));
        }
        catch (RemoteException e) when (IsLockError(e))
        {
            throw LockError(e);
        }
    }

    /// <summary>Wakes every process waiting (Python's <c>notify_all()</c>).</summary>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <inheritdoc/>
    static ManagedCondition ISharedObject<ManagedCondition>.Reopen(string descriptor) =>
        ReopenLock(descriptor, static (channel, id, reentrant) => new ManagedCondition(channel, id, reentrant));

    /// <inheritdoc/>
    private protected override void ReleaseTicket(int ticket)
    {
        if (ticket == -1)
        {
            ReleaseCore(any: true, 0);
            return;
        }

        lock (releasing)
        {
            int number;
            lock (state)
            {
                if (ticket != this.ticket)
                {
                    return;
                }

                number = acquisition;
            }

            ReleaseCore(any: false, number);
        }
    }

    /// <inheritdoc/>
    private protected override LockHandle Acquired(int acquisition, bool wasAbandoned)
    {
        if (Reentrant)
        {
            return new LockHandle(this, -1, wasAbandoned);
        }

        lock (state)
        {
            this.acquisition = acquisition;
            ticket = ticket == int.MaxValue ? 0 : ticket + 1;
            return new LockHandle(this, ticket, wasAbandoned);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="SynchronizationLockException">The lock is not held (for the condition's own re-entrant lock: not through this proxy).</exception>
    private protected override void ReleaseCore(bool any, int acquisition)
    {
        try
        {
            base.ReleaseCore(any, acquisition);
        }
        catch (RemoteException e) when (IsLockError(e))
        {
            throw LockError(e);
        }
    }

    /// <summary>Whether the manager threw because the lock is not held: thrown here as <see cref="SynchronizationLockException"/>, as the BCL's conditions do.</summary>
    private static bool IsLockError(RemoteException e) => e.RemoteType == typeof(SynchronizationLockException).FullName;

    private static SynchronizationLockException LockError(RemoteException e) => new(e.RemoteMessage, e);

    private bool ParseWait(WireReader reply, out bool notified)
    {
        notified = reply.ReadBool();
        lock (state)
        {
            acquisition = reply.ReadInt32(); // the handle this proxy gave out now stands for the new acquisition
        }

        return notified;
    }
}
