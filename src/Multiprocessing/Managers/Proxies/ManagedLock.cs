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
/// connection: a thread waiting in <see cref="Acquire"/> holds up the proxy's other calls, so give each thread
/// its own proxy (pass the lock to it, or use a named lock) if several threads of one process contend.
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
public sealed class ManagedLock : IDisposable, ISharedObject<ManagedLock>, IHandleOwner
{
    private readonly ManagerChannel channel;
    private readonly bool isReentrant;
    private readonly long id;

    internal ManagedLock(ManagerChannel channel, long id, bool reentrant)
    {
        this.channel = channel;
        this.id = id;
        isReentrant = reentrant;
    }

    /// <summary>Whether this is a re-entrant lock (<see cref="Manager.RLock"/>): the proxy that holds it may acquire it again, must release it as often, and alone may release it.</summary>
    /// <exception cref="ObjectDisposedException">The proxy is disposed.</exception>
    public bool IsReentrant
    {
        get
        {
            channel.ThrowIfDisposed(this);
            return isReentrant;
        }
    }

    /// <summary>The lock's id in its manager (for a condition made over it).</summary>
    internal long Id => id;

    /// <summary>Where its manager listens (for a condition made over it, which must be in the same manager).</summary>
    internal System.Net.EndPoint ManagerEndPoint => channel.Address;

    /// <inheritdoc/>
    string ISharedObject<ManagedLock>.Descriptor => (isReentrant ? "r" : "l") + channel.Describe(id);

    /// <summary>Waits for the lock (Python's <c>acquire()</c>, <c>acquire(timeout=t)</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        TryAcquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken) ?? throw new TimeoutException($"The managed lock was not free within {timeout}.");

    /// <summary>Takes the lock if it becomes free within <paramref name="timeout"/> (Python's <c>acquire(blocking=False)</c> for zero).</summary>
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
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await TryAcquireAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false)
            ?? throw new TimeoutException($"The managed lock was not free within {timeout}.");

    /// <summary>The asynchronous twin of <see cref="TryAcquire"/>.</summary>
    /// <param name="timeout">How long to wait; zero to try once.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that releases the lock when disposed, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the lock was taken (it is not held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        return channel.WaitAsync<LockHandle?>(ManagerOp.LockAcquire, id, ms, ManagerChannel.WriteMilliseconds, ParseAcquire, cancellationToken);
    }

    /// <summary>Releases the lock (Python's <c>release()</c>), whoever acquired it.</summary>
    /// <exception cref="RemoteException">The lock is not held (<c>System.Threading.SynchronizationLockException</c> in the manager).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Release() => ReleaseCore(any: true, 0);

    /// <summary>Closes this proxy's connection to the manager; a lock it holds is released there, and the lock dropped if nothing else holds it (another proxy, a condition that uses it, a copy on its way to another process, or its name).</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedLock #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedLock ISharedObject<ManagedLock>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor[1..], out long id);
        return new ManagedLock(channel, id, descriptor.StartsWith('r'));
    }

    /// <inheritdoc/>
    void IHandleOwner.ReleaseTicket(int t) => ReleaseCore(any: t == -1, t);

    private bool ParseAcquire(WireReader reply, out LockHandle? handle)
    {
        bool acquired = reply.ReadBool();
        bool wasAbandoned = reply.ReadBool();
        int acquisition = reply.ReadInt32();
        handle = acquired ? new LockHandle(this, isReentrant ? -1 : acquisition, wasAbandoned) : null;
        return acquired;
    }

    /// <summary>Releases the lock; with <paramref name="any"/> false, only if <paramref name="acquisition"/> is still the current acquisition (a handle disposed after the lock was released and taken again does nothing).</summary>
    private void ReleaseCore(bool any, int acquisition)
    {
        lock (channel.Gate)
        {
            WireBuffer args = channel.Begin(ManagerOp.LockRelease, id);
            args.WriteByte(any ? (byte)1 : (byte)0);
            args.WriteInt32(acquisition);
            channel.Invoke();
        }
    }
}
