using System.Diagnostics;
using Multiprocessing.Managers;
using Multiprocessing.Shared;

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
/// </remarks>
public sealed class ManagedCondition : IDisposable, ISharedObject<ManagedCondition>, IHandleOwner
{
    private readonly ManagerChannel channel;
    private readonly long id;
    private readonly bool reentrant;

    /// <summary>The last handle this proxy gave out for a non-re-entrant lock (under the channel's gate).</summary>
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
    /// <returns>A handle that releases the lock when disposed; <see cref="LockHandle.WasAbandoned"/> if its last holder died holding it.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null) =>
        TryAcquire(timeout ?? Timeout.InfiniteTimeSpan) ?? throw new TimeoutException($"The managed condition's lock was not free within {timeout}.");

    /// <summary>Takes the condition's lock if it becomes free within <paramref name="timeout"/> (Python's <c>acquire(blocking=False)</c> for zero).</summary>
    /// <param name="timeout">How long to wait; zero to try once.</param>
    /// <returns>A handle that releases the lock when disposed, or null.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle? TryAcquire(TimeSpan timeout = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.LockAcquire, id).WriteInt64(ms);
            var reply = new WireReader(channel.Invoke());
            bool acquired = reply.ReadBool();
            bool wasAbandoned = reply.ReadBool();
            int number = reply.ReadInt32();
            if (!acquired)
            {
                return null;
            }

            if (reentrant)
            {
                return new LockHandle(this, -1, wasAbandoned);
            }

            acquisition = number;
            ticket = ticket == int.MaxValue ? 0 : ticket + 1;
            return new LockHandle(this, ticket, wasAbandoned);
        }
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
    /// <returns>True if notified, false if the time ran out.</returns>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Wait(TimeSpan? timeout = null)
    {
        long ms = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.ConditionWait, id).WriteInt64(ms);
            var reply = new WireReader(InvokeTranslated());
            bool notified = reply.ReadBool();
            acquisition = reply.ReadInt32(); // the handle this proxy gave out now stands for the new acquisition
            return notified;
        }
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> is true (Python's <c>wait_for(predicate, timeout)</c>): checks it,
    /// then waits for a notification and checks again, holding the lock at each check.
    /// </summary>
    /// <param name="predicate">What to wait for; called in this process, with the lock held.</param>
    /// <param name="timeout">How long to wait in all; null for ever.</param>
    /// <returns>The predicate's last value: false if the time ran out first.</returns>
    /// <exception cref="SynchronizationLockException">This proxy does not hold the lock.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        bool forever = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout)) < 0;
        long start = Stopwatch.GetTimestamp();
        bool result = predicate();
        while (!result)
        {
            TimeSpan? left = null;
            if (!forever)
            {
                left = timeout!.Value - Stopwatch.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }
            }

            Wait(left);
            result = predicate();
        }

        return result;
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

    /// <summary>Closes this process's connection to the manager; the lock, if this proxy holds it, is released there.</summary>
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
            if (t == ticket)
            {
                ReleaseCore(any: false, acquisition);
            }
        }
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
