using System.Buffers;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

/// <summary>
/// The ring's operations that may wait, each written once for the blocking form and its asynchronous twin, as
/// generic bodies over <see cref="IWaitMode"/>: the blocking form runs a body in the <see cref="Blocking"/> mode,
/// where it never suspends (nothing is allocated for it), the asynchronous form in the <see cref="Awaiting"/> mode.
/// The fast paths that need no wait (<see cref="TryWriteNow(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out RingStatus)"/>,
/// <see cref="TryBeginReadNow"/>, a spin that finds its condition) stay in front of the bodies, outside any state machine. Kept out of the unsafe part of the class: an
/// <c>await</c> cannot stand in an unsafe context.
/// </summary>
internal sealed partial class Ring
{
    /// <summary>The asynchronous twin of <see cref="Write(ReadOnlySpan{byte}, Deadline, CancellationToken)"/>; <paramref name="message"/> must stay unchanged until it completes.</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was delivered.</exception>
    public ValueTask<RingStatus> WriteAsync(ReadOnlyMemory<byte> message, Deadline deadline, CancellationToken cancellationToken)
    {
        // Fast path: room now, no waiting.
        if (IsCompleted)
        {
            return new(RingStatus.Completed);
        }

        return TryWriteNow(message.Span, out RingStatus quick)
            ? new(quick)
            : WriteBody<Awaiting>(message, default, deadline, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="BeginRead"/>.</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was consumed.</exception>
    public ValueTask<(RingStatus Status, RingMessage Message)> BeginReadAsync(Deadline deadline, CancellationToken cancellationToken) =>
        TryBeginReadNow(out RingMessage message)
            ? new((RingStatus.Ok, message))
            : BeginReadBody<Awaiting>(deadline, cancellationToken);

    /// <summary>The asynchronous twin of <see cref="WaitReadable"/>.</summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public ValueTask<RingStatus> WaitReadableAsync(Deadline deadline, CancellationToken cancellationToken) =>
        DataReady() ? ValueTask.FromResult(RingStatus.Ok) : Park<Awaiting>(WaitTarget.Data, 0, deadline, cancellationToken);

    /// <summary>
    /// Writes one message under the write lock, waiting for it, for an item slot and for room as needed. The
    /// message is <paramref name="unpinned"/> in the asynchronous mode (pinned here for as long as the body runs),
    /// <paramref name="pinned"/> (by the blocking caller) in the blocking mode.
    /// </summary>
    private async ValueTask<RingStatus> WriteBody<TMode>(ReadOnlyMemory<byte> unpinned, PinnedMessage pinned, Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        using MemoryHandle pin = TMode.IsAsync ? unpinned.Pin() : default;
        PinnedMessage message = TMode.IsAsync ? PinnedMessage.Of(pin, unpinned.Length) : pinned;
        if (!TryAcquireWriteLock())
        {
            bool acquired = TMode.IsAsync
                ? (await LockCore.AcquireAsync(WriteLockAddress, deadline, cancellationToken).ConfigureAwait(false)).Acquired
                : AcquireWriteLock(deadline, cancellationToken);
            if (!acquired)
            {
                return RingStatus.Timeout;
            }
        }

        bool ok = false;
        try
        {
            RingStatus status = await BeginWrite<TMode>(deadline, cancellationToken).ConfigureAwait(false);
            if (status != RingStatus.Ok)
            {
                return status;
            }

            if (NeedsMarker())
            {
                status = await WaitForRoom<TMode>(MarkerSize, deadline, cancellationToken).ConfigureAwait(false);
                if (status == RingStatus.Ok)
                {
                    WriteMarker();
                }
            }

            if (status == RingStatus.Ok && message.Length <= MaxWhole)
            {
                long size = RecordSize(message.Length);
                status = await WaitForRoom<TMode>(size, deadline, cancellationToken).ConfigureAwait(false);
                if (status == RingStatus.Ok)
                {
                    WriteWhole(message.Head, message.Body, size);
                }
            }
            else if (status == RingStatus.Ok)
            {
                int offset = 0;
                while (offset < message.Length)
                {
                    (int kind, int header, int n) = NextFragment(offset, message.Length);
                    status = await WaitForRoom<TMode>(RecordSize(header + n), deadline, cancellationToken).ConfigureAwait(false);
                    if (status != RingStatus.Ok)
                    {
                        break;
                    }

                    WriteFragment(kind, header, message.Head, message.Body, offset, n, message.Length);
                    offset += n;
                }
            }

            if (status == RingStatus.Overflow)
            {
                WriteToOverflow(message.Head, message.Body);
                status = RingStatus.Ok;
            }

            ok = status == RingStatus.Ok;
            return status;
        }
        finally
        {
            EndWrite(ok);
        }
    }

    /// <summary>Under the write lock: closes a message left open by a producer that died or gave up, and waits for an item slot.</summary>
    private async ValueTask<RingStatus> BeginWrite<TMode>(Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        AbandonOpenMessage();

        if (NoReaderEnd())
        {
            return RingStatus.PeerGone;
        }

        while (!ItemsRoom())
        {
            RingStatus status = await Park<TMode>(WaitTarget.Items, 0, deadline, cancellationToken).ConfigureAwait(false);
            if (status != RingStatus.Ok)
            {
                return status;
            }
        }

        return RingStatus.Ok;
    }

    /// <summary>
    /// Under the write lock: waits until <paramref name="size"/> contiguous bytes are free at the tail, padding to
    /// the start if the end is too close. With overflow: <see cref="RingStatus.Overflow"/> instead of waiting on
    /// once no consumer has moved for <see cref="OverflowAfter"/>, or once <paramref name="deadline"/> passed.
    /// </summary>
    private async ValueTask<RingStatus> WaitForRoom<TMode>(long size, Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        var stall = default(Stall);
        while (true)
        {
            if (TryMakeRoom(size, out long need))
            {
                return RingStatus.Ok;
            }

            if (overflow && ShouldOverflow(ref stall, deadline))
            {
                return RingStatus.Overflow;
            }

            RingStatus status = await Park<TMode>(WaitTarget.Room, need, overflow ? deadline.Earlier(stall.Until) : deadline, cancellationToken).ConfigureAwait(false);
            if (status == RingStatus.Timeout && overflow)
            {
                continue; // Stuck decides.
            }

            if (status != RingStatus.Ok)
            {
                return status;
            }
        }
    }

    /// <summary>Takes the read lock and waits for the next message (see <see cref="BeginRead"/>).</summary>
    private async ValueTask<(RingStatus Status, RingMessage Message)> BeginReadBody<TMode>(Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        if (!TryAcquireReadLock())
        {
            bool acquired = TMode.IsAsync
                ? (await LockCore.AcquireAsync(ReadLockAddress, deadline, cancellationToken).ConfigureAwait(false)).Acquired
                : AcquireReadLock(deadline, cancellationToken);
            if (!acquired)
            {
                return (RingStatus.Timeout, default);
            }
        }

        bool keep = false;
        try
        {
            var assembly = default(MessageAssembly);
            while (true)
            {
                if (!RingReady())
                {
                    if (assembly.Active || ReadIsOpen())
                    {
                        // Rare (a large message under way): the asynchronous form waits for its rest on a pool thread.
                        bool rest = TMode.IsAsync
                            ? await Task.Run(WaitRestOfMessage, CancellationToken.None).ConfigureAwait(false)
                            : WaitRestOfMessage();
                        if (!rest)
                        {
                            assembly = default;
                        }

                        continue;
                    }

                    if (OverflowIsNext())
                    {
                        if (TakeFromOverflow(out RingMessage fromOverflow))
                        {
                            return (RingStatus.Ok, fromOverflow);
                        }

                        continue;
                    }

                    RingStatus status = await Park<TMode>(WaitTarget.Data, 0, deadline, cancellationToken).ConfigureAwait(false);
                    if (status != RingStatus.Ok)
                    {
                        return (status, default);
                    }

                    continue;
                }

                if (Step(ref assembly, out RingMessage message))
                {
                    keep = message.InPlace;
                    return (RingStatus.Ok, message);
                }
            }
        }
        finally
        {
            if (!keep)
            {
                ReleaseReadLock();
            }
        }
    }

    /// <summary>Spins briefly, then sleeps until <paramref name="what"/> may be ready; says why it stopped waiting.</summary>
    /// <remarks>The spin stays outside any state machine.</remarks>
    private ValueTask<RingStatus> Park<TMode>(WaitTarget what, long need, Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode =>
        Spin(what, need) is { } ready ? new(ready) : Sleep<TMode>(what, need, deadline, cancellationToken);

    /// <summary>The sleeping part of <see cref="Park{TMode}"/>.</summary>
    private async ValueTask<RingStatus> Sleep<TMode>(WaitTarget what, long need, Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        nint seq = SeqAddress(what);
        while (true)
        {
            AddSleeper(what, 1);
            bool inTime;
            try
            {
                int expected = ArmSeq(what);
                if (Ready(what, need))
                {
                    return OutcomeOnceReady(what, need);
                }

                if (!watchEnds)
                {
                    inTime = await FutexSleep.Sleep<TMode>(seq, expected, deadline, 0, cancellationToken).ConfigureAwait(false);
                }
                else if (UpdatePeers(what, out DeathWatch.Registration[] watches) && watches.Length > 0 && !FutexSleep.AnyDied(watches))
                {
                    // Every other holder of the other end is watched by the death watch (registrations kept from one
                    // sleep to the next) and alive as far as it knows: no need to ask the kernel (a pidfd opened,
                    // polled and closed per holder, every sleep). One that dies from now on is seen by the watch,
                    // which wakes this sleep; the look below then finds it.
                    inTime = await FutexSleep.SleepWatched<TMode>(seq, expected, deadline, watches, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // After reading the sequence: an end closed from now on bumps it, so the sleep below cannot miss
                    // it. The exact look at the holders clears the slots of dead ones, and says if none is left.
                    if (PeerCheck(what) is { } gone)
                    {
                        return gone;
                    }

                    inTime = !UpdatePeers(what, out watches)
                        || await FutexSleep.SleepWatched<TMode>(seq, expected, deadline, watches, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                AddSleeper(what, -1);
            }

            if (Ready(what, need))
            {
                return OutcomeOnceReady(what, need);
            }

            if (!inTime)
            {
                return RingStatus.Timeout;
            }
        }
    }
}
