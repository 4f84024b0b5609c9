using Multiprocessing.Managers;
using Multiprocessing.Sharing;

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
/// <para>
/// Every blocking call has an async twin (<c>...Async</c>) that holds no thread while the manager waits, and takes a
/// <see cref="CancellationToken"/>, as the blocking forms do. With a token that can be cancelled, the wait is made of
/// requests of at most 100 ms, the token checked between them: a cancellation is seen within 100 ms and throws
/// <see cref="OperationCanceledException"/>, and what the request in flight obtained when the token fired is returned,
/// not lost (the result wins over a late cancellation). Between those requests the proxy's other calls go through;
/// a wait without such a token holds up the proxy's other calls, blocking or async, until it ends.
/// </para>
/// </remarks>
public sealed class ManagedSemaphore : IDisposable, ISharedObject<ManagedSemaphore>
{
    private readonly ManagerChannel channel;
    private readonly long id;

    internal ManagedSemaphore(ManagerChannel channel, long id)
    {
        this.channel = channel;
        this.id = id;
    }

    /// <inheritdoc/>
    string ISharedObject<ManagedSemaphore>.Descriptor => channel.Describe(id);

    /// <summary>Takes a permit, waiting as long as needed or until <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that gives the permit back when disposed.</returns>
    /// <exception cref="TimeoutException">No permit within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a permit was taken (none is held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        TryAcquire(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken)
            ? new LockHandle(new Permit(this), 0, false)
            : throw new TimeoutException($"No permit of the managed semaphore within {timeout}.");

    /// <summary>Takes a permit if one is free within <paramref name="timeout"/> (by default, only if one is free now).</summary>
    /// <param name="timeout">How long to wait; zero to not wait.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>True if a permit was taken (give it back with <see cref="Release"/>).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a permit was taken (none is held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        return channel.Wait(ManagerOp.SemaphoreAcquire, id, ms, ManagerChannel.WriteMilliseconds, ManagerChannel.ParseBool, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="Acquire"/>: no thread waits while the manager does.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A handle that gives the permit back when disposed.</returns>
    /// <exception cref="TimeoutException">No permit within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a permit was taken (none is held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await TryAcquireAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false)
            ? new LockHandle(new Permit(this), 0, false)
            : throw new TimeoutException($"No permit of the managed semaphore within {timeout}.");

    /// <summary>The asynchronous twin of <see cref="TryAcquire"/>.</summary>
    /// <param name="timeout">How long to wait; zero to not wait.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>True if a permit was taken (give it back with <see cref="Release"/>).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a permit was taken (none is held).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        return channel.WaitAsync(ManagerOp.SemaphoreAcquire, id, ms, ManagerChannel.WriteMilliseconds, ManagerChannel.ParseBool, cancellationToken);
    }

    /// <summary>Gives back <paramref name="count"/> permits, from any process.</summary>
    /// <param name="count">How many (1 or more).</param>
    /// <exception cref="SemaphoreFullException">A bounded semaphore would hold more than its maximum; nothing was given back.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Release(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.SemaphoreRelease, id).WriteInt32(count);
            if (!new WireReader(channel.Invoke()).ReadBool())
            {
                throw new SemaphoreFullException("The managed semaphore is bounded, and releasing would pass its maximum.");
            }
        }
    }

    /// <summary>Closes this proxy's connection to the manager, which then drops the semaphore if nothing else holds it (another proxy, a copy on its way to another process, or its name).</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedSemaphore #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedSemaphore ISharedObject<ManagedSemaphore>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return new ManagedSemaphore(channel, id);
    }

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
