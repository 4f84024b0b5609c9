using Multiprocessing.Managers;
using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>
/// A proxy to a lock held by a <see cref="Manager"/> (Python's <c>manager.Lock()</c>): one holder at a time across
/// every process with a proxy to it. <c>using (lk.Acquire()) { }</c> is Python's <c>with lk:</c>.
/// </summary>
/// <remarks>
/// <para>
/// The wait happens in the manager. Like Python's, the lock may be released by any holder of a proxy, not only the
/// one that acquired it. Unlike Python's, a lock whose holder's process dies (or closes its proxy) while holding
/// it is released by the manager, and the next acquirer's handle says <see cref="LockHandle.WasAbandoned"/>.
/// Pass it to a child declared as <see cref="ManagedLock"/>; it connects to the manager there. A proxy is one
/// connection: a thread waiting in <see cref="ManagedLockable.Acquire"/> holds up the proxy's other calls, so give
/// each thread its own proxy (pass the lock to it, or use a named lock) if several threads of one process contend.
/// </para>
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
public sealed class ManagedLock : ManagedLockable, ISharedObject<ManagedLock>
{
    internal ManagedLock(ManagerChannel channel, long id, bool reentrant)
        : base(channel, id, reentrant)
    {
    }

    /// <summary>Whether this is a re-entrant lock (<see cref="Manager.RLock"/>): the proxy that holds it may acquire it again, must release it as often, and alone may release it.</summary>
    /// <exception cref="ObjectDisposedException">The proxy is disposed.</exception>
    public bool IsReentrant
    {
        get
        {
            ThrowIfDisposed();
            return Reentrant;
        }
    }

    /// <summary>Whether some proxy, in any process, holds the lock now (Python's <c>locked()</c>).</summary>
    /// <remarks>
    /// A snapshot: another process may take or release it the moment after. A holder whose process died (or closed
    /// its proxy) no longer holds it: the manager released it, and the next acquirer's handle says
    /// <see cref="LockHandle.WasAbandoned"/>.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The proxy is disposed.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsLocked => Call(ManagerOp.LockIsLocked, static reply => reply.ReadBool());

    /// <inheritdoc/>
    string ISharedObject<ManagedLock>.Descriptor => DescribeLock();

    /// <inheritdoc/>
    private protected override string NotFree => "The managed lock was not free within";

    /// <inheritdoc/>
    static ManagedLock ISharedObject<ManagedLock>.Reopen(string descriptor) =>
        ReopenLock(descriptor, static (channel, id, reentrant) => new ManagedLock(channel, id, reentrant));

    /// <inheritdoc/>
    private protected override LockHandle Acquired(int acquisition, bool wasAbandoned) =>
        new(this, Reentrant ? -1 : acquisition, wasAbandoned);

    /// <inheritdoc/>
    private protected override void ReleaseTicket(int ticket) => ReleaseCore(any: ticket == -1, ticket);
}
