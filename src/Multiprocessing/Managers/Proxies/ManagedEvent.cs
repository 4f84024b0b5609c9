using Multiprocessing.Managers;
using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>A proxy to an event held by a <see cref="Manager"/> (Python's <c>manager.Event()</c>).</summary>
/// <remarks>
/// <para>
/// The wait happens in the manager. Pass it to a child declared as <see cref="ManagedEvent"/>; it connects to the
/// manager there. A proxy is one connection: a thread waiting on it holds up the proxy's other calls. As in Python,
/// <see cref="Set"/> releases every process waiting at that moment, even if a <see cref="Clear"/> follows at once:
/// their waits return true.
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
public sealed class ManagedEvent : IDisposable, ISharedObject<ManagedEvent>
{
    private readonly ManagerChannel channel;
    private readonly long id;

    internal ManagedEvent(ManagerChannel channel, long id)
    {
        this.channel = channel;
        this.id = id;
    }

    /// <summary>Whether the event is set (Python's <c>is_set()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsSet
    {
        get
        {
            lock (channel.Gate)
            {
                channel.Begin(ManagerOp.EventIsSet, id);
                return new WireReader(channel.Invoke()).ReadBool();
            }
        }
    }

    /// <summary>How many requests (of any proxy) wait on the event in the manager now: for tests that must know their waiters are in.</summary>
    internal int WaitingCount
    {
        get
        {
            lock (channel.Gate)
            {
                channel.Begin(ManagerOp.EventWaiting, id);
                return new WireReader(channel.Invoke()).ReadInt32();
            }
        }
    }

    /// <inheritdoc/>
    string ISharedObject<ManagedEvent>.Descriptor => channel.Describe(id);

    /// <summary>Sets the event, waking every waiter in every process (Python's <c>set()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Set() => Simple(ManagerOp.EventSet);

    /// <summary>Clears the event (Python's <c>clear()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Clear() => Simple(ManagerOp.EventClear);

    /// <summary>Waits until the event is set (Python's <c>wait()</c>), at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <exception cref="TimeoutException">The event was not set within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the event was seen set.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!TryWait(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken))
        {
            throw new TimeoutException($"The managed event was not set within {timeout}.");
        }
    }

    /// <summary>Waits at most <paramref name="timeout"/> until the event is set (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait; zero to look.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>True if the event was set when the wait began or has been since (even if a <see cref="Clear"/> followed); false if the time ran out.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the event was seen set.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        var wait = new WaitSince();
        return channel.Wait<bool>(ManagerOp.EventWait, id, ms, wait.Write, wait.Parse, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="Wait"/>: no thread waits while the manager does.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A task that completes once the event is set.</returns>
    /// <exception cref="TimeoutException">The event was not set within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the event was seen set.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!await TryWaitAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"The managed event was not set within {timeout}.");
        }
    }

    /// <summary>The asynchronous twin of <see cref="TryWait"/>.</summary>
    /// <param name="timeout">How long to wait; zero to look.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>True if the event was set when the wait began or has been since (even if a <see cref="Clear"/> followed); false if the time ran out.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the event was seen set.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        var wait = new WaitSince();
        return channel.WaitAsync<bool>(ManagerOp.EventWait, id, ms, wait.Write, wait.Parse, cancellationToken);
    }

    /// <summary>Closes this proxy's connection to the manager, which then drops the event if nothing else holds it (another proxy, a copy on its way to another process, or its name).</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedEvent #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedEvent ISharedObject<ManagedEvent>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return new ManagedEvent(channel, id);
    }

    private void Simple(ManagerOp op)
    {
        lock (channel.Gate)
        {
            channel.Begin(op, id);
            channel.Invoke();
        }
    }
}
