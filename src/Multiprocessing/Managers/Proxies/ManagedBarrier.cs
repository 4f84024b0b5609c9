using Multiprocessing.Managers;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A proxy to a barrier held by a <see cref="Manager"/> (Python's <c>manager.Barrier(parties)</c>): each party's
/// <see cref="Wait"/> blocks in the manager until all <see cref="Parties"/> parties have arrived;
/// then all go on.
/// </summary>
/// <remarks>
/// <para>
/// A wait that times out, <see cref="Abort"/>, or <see cref="Reset"/> while parties wait breaks the barrier: every
/// waiter, and every later arrival until <see cref="Reset"/>, gets a <see cref="BrokenBarrierException"/>. So does a
/// party whose process dies (or closes its proxy) while it waits: the manager notices within a fraction of a
/// second and breaks the barrier, so that nobody waits for ever for a dead party. A party that dies before it
/// arrives cannot be told from a slow one; give the waits a timeout if that can happen.
/// </para>
/// <para>
/// Pass the proxy to a child declared as <see cref="ManagedBarrier"/>; it connects to the manager there. A proxy is
/// one connection: a thread waiting on it holds up the proxy's other calls, so each party needs its own proxy
/// (each process has one when the barrier is passed to it). For a barrier without a server process, see
/// <see cref="SharedBarrier"/>.
/// </para>
/// <para>
/// <see cref="WaitAsync"/> is the async twin of <see cref="Wait"/>: no thread waits while the manager does. Both take
/// a <see cref="CancellationToken"/>; a barrier's wait cannot be cut into slices (a timeout breaks the barrier), so
/// cancelling drops the proxy's connection, which the manager treats as a waiting party gone away: the barrier breaks,
/// as <see cref="SharedBarrier"/>'s does on cancellation, and the proxy connects again on its next call.
/// </para>
/// </remarks>
public sealed class ManagedBarrier : ManagedProxy, IManagedObject<ManagedBarrier>
{
    internal ManagedBarrier(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>How many parties must arrive (Python's <c>parties</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Parties => State().Parties;

    /// <summary>How many parties are waiting now (Python's <c>n_waiting</c>); 0 while the barrier is broken.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int WaitingCount => State().Waiting;

    /// <summary>Whether the barrier is broken (Python's <c>broken</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsBroken => State().Broken;

    /// <summary>Arrives and waits until every party has arrived (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever. If it runs out, the barrier breaks, for the other waiters too.</param>
    /// <param name="cancellationToken">
    /// Stops the wait, and breaks the barrier as a timeout would (as <see cref="SharedBarrier"/>'s does): the wait is
    /// one request, so this proxy drops its connection to the manager, which treats it as a party gone away and
    /// breaks the round it waits in (not a later one); the proxy connects again on its next call. A round that
    /// passes just as the token fires may still be reported as cancelled.
    /// </param>
    /// <returns>This party's arrival index, 0 to <see cref="Parties"/> - 1 (Python's return value of <c>wait()</c>).</returns>
    /// <exception cref="BrokenBarrierException">The barrier was broken, or broke while this party waited (a timeout, including this party's own, an abort, a reset, or a waiting party's death).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while this party waited (the barrier is now broken).</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Blocking.Wait(WaitCore<Blocking>(timeout, cancellationToken));

    /// <summary>The asynchronous twin of <see cref="Wait"/>: no thread waits while the manager does.</summary>
    /// <returns>This party's arrival index, 0 to <see cref="Parties"/> - 1.</returns>
    /// <inheritdoc cref="Wait"/>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitCore<Awaiting>(timeout, cancellationToken);

    /// <summary>Returns the barrier to its empty, unbroken state (Python's <c>reset()</c>); parties waiting now get <see cref="BrokenBarrierException"/>.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Reset() => Call(ManagerOp.BarrierReset);

    /// <summary>Breaks the barrier (Python's <c>abort()</c>): waiters and later arrivals get <see cref="BrokenBarrierException"/> until <see cref="Reset"/>.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Abort() => Call(ManagerOp.BarrierAbort);

    /// <inheritdoc/>
    static ManagedBarrier IManagedObject<ManagedBarrier>.Make(ManagerChannel channel, long id) => new(channel, id);

    private static bool ParseWait(WireReader reply, out int index, TimeSpan? timeout)
    {
        index = reply.ReadByte() switch
        {
            EncodedBarrier.Passed => reply.ReadInt32(),
            EncodedBarrier.TimedOut => throw new BrokenBarrierException($"Not every party arrived at the managed barrier within {timeout}; the barrier is now broken."),
            _ => throw new BrokenBarrierException("The managed barrier is broken (a wait timed out, it was aborted or reset, or a waiting party's process died)."),
        };
        return true;
    }

    private (int Parties, int Waiting, bool Broken) State() =>
        Call(ManagerOp.BarrierState, static reply => (reply.ReadInt32(), reply.ReadInt32(), reply.ReadBool()));

    /// <summary>
    /// The wait, one request in <typeparamref name="TMode"/>'s way: a barrier's wait cannot be cut into slices (a
    /// timeout breaks the barrier), so the token drops the connection (see <see cref="ManagerChannel.Invoke(CancellationToken)"/>).
    /// </summary>
    private async ValueTask<int> WaitCore<TMode>(TimeSpan? timeout, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        long ms = Milliseconds(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        (_, int index) = await Channel.Request<TMode, int>(
            ManagerOp.BarrierWait, Id, ms, ManagerChannel.WriteMilliseconds,
            (WireReader reply, out int i) => ParseWait(reply, out i, timeout), cancellationToken, cancellationToken).ConfigureAwait(false);
        return index;
    }
}
