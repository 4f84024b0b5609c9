using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>A proxy to an event held by a <see cref="Manager"/> (Python's <c>manager.Event()</c>).</summary>
/// <remarks>
/// <para>
/// The wait happens in the manager. Pass it to a child declared as <see cref="ManagedEvent"/>; it connects to the
/// manager there. A proxy is one connection: a thread waiting on it holds up the proxy's other calls. As in Python,
/// <see cref="Set"/> releases every process waiting at that moment, even if a <see cref="Clear"/> follows at once:
/// their waits return true.
/// </para>
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
public sealed class ManagedEvent : ManagedProxy, IManagedObject<ManagedEvent>
{
    internal ManagedEvent(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>Whether the event is set (Python's <c>is_set()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsSet => Call(ManagerOp.EventIsSet, static reply => reply.ReadBool());

    /// <summary>How many requests (of any proxy) wait on the event in the manager now: for tests that must know their waiters are in.</summary>
    internal int WaitingCount => Call(ManagerOp.EventWaiting, static reply => reply.ReadInt32());

    /// <summary>Sets the event, waking every waiter in every process (Python's <c>set()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Set() => Call(ManagerOp.EventSet);

    /// <summary>Clears the event (Python's <c>clear()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Clear() => Call(ManagerOp.EventClear);

    /// <summary>Waits until the event is set (Python's <c>wait()</c>), at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <exception cref="TimeoutException">The event was not set within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the event was seen set.</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = new WaitSince();
        _ = WaitOrThrow<bool>(ManagerOp.EventWait, timeout, wait.Write, wait.Parse, NotSet, cancellationToken);
    }

    /// <summary>Waits at most <paramref name="timeout"/> until the event is set (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait; zero to look.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>True if the event was set when the wait began or has been since (even if a <see cref="Clear"/> followed); false if the time ran out.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the event was seen set.</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var wait = new WaitSince();
        return Wait<bool>(ManagerOp.EventWait, timeout, wait.Write, wait.Parse, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="Wait"/>: no thread waits while the manager does.</summary>
    /// <returns>A task that completes once the event is set.</returns>
    /// <inheritdoc cref="Wait"/>
    public async ValueTask WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = new WaitSince();
        _ = await WaitOrThrowAsync<bool>(ManagerOp.EventWait, timeout, wait.Write, wait.Parse, NotSet, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The asynchronous twin of <see cref="TryWait"/>.</summary>
    /// <returns>True if the event was set when the wait began or has been since (even if a <see cref="Clear"/> followed); false if the time ran out.</returns>
    /// <inheritdoc cref="TryWait"/>
    public ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var wait = new WaitSince();
        return WaitAsync<bool>(ManagerOp.EventWait, timeout, wait.Write, wait.Parse, cancellationToken);
    }

    /// <inheritdoc/>
    static ManagedEvent IManagedObject<ManagedEvent>.Make(ManagerChannel channel, long id) => new(channel, id);

    private const string NotSet = "The managed event was not set within";
}
