using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a manager's object that has a lock to acquire and release (Python's <c>AcquirerProxy</c>): a
/// <see cref="ManagedLock"/>, or a <see cref="ManagedCondition"/> (its lock). <c>using (lk.Acquire()) { }</c> is
/// Python's <c>with lk:</c>.
/// </summary>
/// <remarks>
/// The wait happens in the manager. A lock whose holder's process dies (or closes its proxy) while holding it is
/// released by the manager, and the next acquirer's handle says <see cref="LockHandle.WasAbandoned"/>.
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
public abstract class ManagedLockable : ManagedProxy, IHandleOwner
{
    private protected ManagedLockable(ManagerChannel channel, long id, bool reentrant)
        : base(channel, id) => Reentrant = reentrant;

    /// <summary>Whether the lock is re-entrant (of <see cref="Manager.RLock"/>, or a condition's own).</summary>
    private protected bool Reentrant { get; }

    /// <summary>Waits for the lock (Python's <c>acquire()</c>, <c>acquire(timeout=t)</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>A handle that releases the lock when disposed; <see cref="LockHandle.WasAbandoned"/> if its last holder died holding it.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitOrThrow<LockHandle?>(ManagerOp.LockAcquire, timeout, ManagerChannel.WriteMilliseconds, ParseAcquire, NotFree, cancellationToken).GetValueOrDefault();

    /// <summary>Takes the lock if it becomes free within <paramref name="timeout"/> (Python's <c>acquire(blocking=False)</c> for zero).</summary>
    /// <param name="timeout">How long to wait; zero to try once.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>A handle that releases the lock when disposed, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Wait<LockHandle?>(ManagerOp.LockAcquire, timeout, ManagerChannel.WriteMilliseconds, ParseAcquire, cancellationToken);

    /// <summary>The asynchronous twin of <see cref="Acquire"/>: no thread waits while the manager does.</summary>
    /// <inheritdoc cref="Acquire"/>
    public async ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await WaitOrThrowAsync<LockHandle?>(ManagerOp.LockAcquire, timeout, ManagerChannel.WriteMilliseconds, ParseAcquire, NotFree, cancellationToken).ConfigureAwait(false)).GetValueOrDefault();

    /// <summary>The asynchronous twin of <see cref="TryAcquire"/>.</summary>
    /// <inheritdoc cref="TryAcquire"/>
    public ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitAsync<LockHandle?>(ManagerOp.LockAcquire, timeout, ManagerChannel.WriteMilliseconds, ParseAcquire, cancellationToken);

    /// <summary>Releases the lock (Python's <c>release()</c>).</summary>
    /// <exception cref="RemoteException">Of a <see cref="ManagedLock"/>: the lock is not held, or it is re-entrant and held through another proxy (<c>System.Threading.SynchronizationLockException</c> in the manager).</exception>
    /// <exception cref="SynchronizationLockException">Of a <see cref="ManagedCondition"/>: the lock is not held (for the condition's own re-entrant lock: not through this proxy).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Release() => ReleaseCore(any: true, 0);

    /// <inheritdoc/>
    void IHandleOwner.ReleaseTicket(int ticket) => ReleaseTicket(ticket);

    /// <summary>A descriptor that says whether the lock is re-entrant.</summary>
    private protected string DescribeLock() => (Reentrant ? "r" : "l") + Describe();

    /// <summary>A proxy to the lock a descriptor of <see cref="DescribeLock"/> names.</summary>
    private protected static TProxy ReopenLock<TProxy>(string descriptor, Func<ManagerChannel, long, bool, TProxy> make)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor[1..], out long id);
        return make(channel, id, descriptor.StartsWith('r'));
    }

    /// <summary>The start of <see cref="Acquire"/>'s timeout message, which goes on with the timeout.</summary>
    private protected abstract string NotFree { get; }

    /// <summary>The handle of an acquisition (the manager's number for it) that this proxy has just been granted.</summary>
    private protected abstract LockHandle Acquired(int acquisition, bool wasAbandoned);

    /// <summary>Releases the acquisition a handle's <paramref name="ticket"/> stands for (-1: of a re-entrant lock, any).</summary>
    private protected abstract void ReleaseTicket(int ticket);

    /// <summary>Releases the lock; with <paramref name="any"/> false, only if <paramref name="acquisition"/> is still the current acquisition (a handle disposed after the lock was released and taken again does nothing).</summary>
    private protected virtual void ReleaseCore(bool any, int acquisition) =>
        Call(ManagerOp.LockRelease, (Any: any, Acquisition: acquisition), static (args, a) =>
        {
            args.WriteBool(a.Any);
            args.WriteInt32(a.Acquisition);
        });

    private bool ParseAcquire(WireReader reply, out LockHandle? handle)
    {
        bool acquired = reply.ReadBool();
        bool wasAbandoned = reply.ReadBool();
        int acquisition = reply.ReadInt32();
        handle = acquired ? Acquired(acquisition, wasAbandoned) : null;
        return acquired;
    }
}
