using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a semaphore held by a <see cref="Manager"/> (Python's <c>manager.Semaphore(n)</c> and
/// <c>BoundedSemaphore(n)</c>). <c>using (se.Acquire()) { }</c> is Python's <c>with se:</c>.
/// </summary>
/// <remarks>
/// <para>
/// The wait happens in the manager. A semaphore has no owner: the permits a process holds when it dies are lost,
/// as in Python. Pass it to a child declared as <see cref="ManagedSemaphore"/>; it connects to the manager there.
/// A proxy is one connection: a thread waiting on it holds up the proxy's other calls.
/// </para>
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
public sealed class ManagedSemaphore : ManagedProxy, IManagedObject<ManagedSemaphore>
{
    internal ManagedSemaphore(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>Takes a permit, waiting as long as needed or until <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>A handle that gives the permit back when disposed.</returns>
    /// <exception cref="TimeoutException">No permit within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a permit was taken (none is held).</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        _ = WaitOrThrow(ManagerOp.SemaphoreAcquire, timeout, ManagerChannel.WriteMilliseconds, ManagerChannel.ParseBool, NoPermit, cancellationToken);
        return new LockHandle(new Permit(this), 0, false);
    }

    /// <summary>Takes a permit if one is free within <paramref name="timeout"/> (by default, only if one is free now).</summary>
    /// <param name="timeout">How long to wait; zero to not wait.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>True if a permit was taken (give it back with <see cref="Release"/>).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a permit was taken (none is held).</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Wait(ManagerOp.SemaphoreAcquire, timeout, ManagerChannel.WriteMilliseconds, ManagerChannel.ParseBool, cancellationToken);

    /// <summary>The asynchronous twin of <see cref="Acquire"/>: no thread waits while the manager does.</summary>
    /// <returns>A handle that gives the permit back when disposed.</returns>
    /// <inheritdoc cref="Acquire"/>
    public async ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        _ = await WaitOrThrowAsync(ManagerOp.SemaphoreAcquire, timeout, ManagerChannel.WriteMilliseconds, ManagerChannel.ParseBool, NoPermit, cancellationToken).ConfigureAwait(false);
        return new LockHandle(new Permit(this), 0, false);
    }

    /// <summary>The asynchronous twin of <see cref="TryAcquire"/>.</summary>
    /// <returns>True if a permit was taken (give it back with <see cref="Release"/>).</returns>
    /// <inheritdoc cref="TryAcquire"/>
    public ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitAsync(ManagerOp.SemaphoreAcquire, timeout, ManagerChannel.WriteMilliseconds, ManagerChannel.ParseBool, cancellationToken);

    /// <summary>Gives back <paramref name="count"/> permits, from any process.</summary>
    /// <param name="count">How many (1 or more).</param>
    /// <exception cref="SemaphoreFullException">A bounded semaphore would hold more than its maximum; nothing was given back.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Release(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!Call(ManagerOp.SemaphoreRelease, count, static (args, count) => args.WriteInt32(count), static (reply, _) => reply.ReadBool()))
        {
            throw new SemaphoreFullException("The managed semaphore is bounded, and releasing would pass its maximum.");
        }
    }

    /// <inheritdoc/>
    static ManagedSemaphore IManagedObject<ManagedSemaphore>.Make(ManagerChannel channel, long id) => new(channel, id);

    private const string NoPermit = "No permit of the managed semaphore within";

    /// <summary>One permit held through a handle: given back once.</summary>
    private sealed class Permit(ManagedSemaphore owner) : IHandleOwner
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
