using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

/// <summary>The asynchronous twins of the ring's waits (kept out of the unsafe part: no pointers across awaits).</summary>
internal sealed partial class Ring
{
    /// <summary>The asynchronous twin of <see cref="Write(ReadOnlySpan{byte}, Deadline, CancellationToken)"/>; <paramref name="message"/> must stay unchanged until it completes.</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was delivered.</exception>
    public async ValueTask<RingStatus> WriteAsync(ReadOnlyMemory<byte> message, Deadline deadline, CancellationToken cancellationToken)
    {
        // Fast path: room now, no waiting.
        if (IsCompleted)
        {
            return RingStatus.Completed;
        }

        if (TryWriteNow(message.Span, out RingStatus quick))
        {
            return quick;
        }

        (bool acquired, _) = await LockCore.AcquireAsync(WriteLockAddress, deadline, cancellationToken).ConfigureAwait(false);
        if (!acquired)
        {
            return RingStatus.Timeout;
        }

        bool ok = false;
        try
        {
            RingStatus status = await BeginWriteAsync(deadline, cancellationToken).ConfigureAwait(false);
            if (status != RingStatus.Ok)
            {
                return status;
            }

            if (NeedsMarker())
            {
                status = await WaitForRoomAsync(MarkerSize, deadline, cancellationToken).ConfigureAwait(false);
                if (status == RingStatus.Ok)
                {
                    WriteMarker();
                }
            }

            if (status == RingStatus.Ok && message.Length <= MaxWhole)
            {
                long size = RecordSize(message.Length);
                status = await WaitForRoomAsync(size, deadline, cancellationToken).ConfigureAwait(false);
                if (status == RingStatus.Ok)
                {
                    WriteWhole(default, message.Span, size);
                }
            }
            else if (status == RingStatus.Ok)
            {
                int offset = 0;
                while (offset < message.Length)
                {
                    (int kind, int header, int n) = NextFragment(offset, message.Length);
                    status = await WaitForRoomAsync(RecordSize(header + n), deadline, cancellationToken).ConfigureAwait(false);
                    if (status != RingStatus.Ok)
                    {
                        break;
                    }

                    WriteFragment(kind, header, default, message.Span, offset, n, message.Length);
                    offset += n;
                }
            }

            if (status == RingStatus.Overflow)
            {
                WriteToOverflow(default, message.Span);
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

    private async ValueTask<RingStatus> BeginWriteAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        AbandonOpenMessage();

        if (NoReaderEnd())
        {
            return RingStatus.PeerGone;
        }

        while (!ItemsRoom())
        {
            RingStatus status = await ParkAsync(WaitTarget.Items, 0, deadline, cancellationToken).ConfigureAwait(false);
            if (status != RingStatus.Ok)
            {
                return status;
            }
        }

        return RingStatus.Ok;
    }

    private async ValueTask<RingStatus> WaitForRoomAsync(long size, Deadline deadline, CancellationToken cancellationToken)
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

            RingStatus status = await ParkAsync(WaitTarget.Room, need, overflow ? deadline.Earlier(stall.Until) : deadline, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The asynchronous twin of <see cref="BeginRead"/>.</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was consumed.</exception>
    public async ValueTask<(RingStatus Status, RingMessage Message)> BeginReadAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        if (!TryAcquireReadLock())
        {
            (bool acquired, _) = await LockCore.AcquireAsync(ReadLockAddress, deadline, cancellationToken).ConfigureAwait(false);
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
                        // Rare (a large message under way): wait for its rest on a pool thread.
                        if (!await Task.Run(WaitRestOfMessage, CancellationToken.None).ConfigureAwait(false))
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

                    RingStatus status = await ParkAsync(WaitTarget.Data, 0, deadline, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The asynchronous form of <see cref="Park"/>.</summary>
    private ValueTask<RingStatus> ParkAsync(WaitTarget what, long need, Deadline deadline, CancellationToken cancellationToken) =>
        Spin(what, need) is { } ready ? new(ready) : Sleep<Awaiting>(what, need, deadline, cancellationToken);

    /// <summary>The sleeping part of <see cref="Park"/> and <see cref="ParkAsync"/>, one body for both (see <see cref="IWaitMode"/>); here, since <c>await</c> cannot stand in the unsafe part of the class.</summary>
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
                int expected = ReadSeq(what);
                if (Ready(what, need))
                {
                    return OutcomeOnceReady(what, need);
                }

                // After reading the sequence: an end closed from now on bumps it, so the sleep below cannot miss it.
                if (PeerCheck(what) is { } gone)
                {
                    return gone;
                }

                if (!watchEnds)
                {
                    inTime = await FutexSleep.Sleep<TMode>(seq, expected, deadline, 0, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    inTime = !UpdatePeers(what, out DeathWatch.Registration[] watches)
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

    /// <summary>The asynchronous twin of <see cref="WaitReadable"/>.</summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public ValueTask<RingStatus> WaitReadableAsync(Deadline deadline, CancellationToken cancellationToken) =>
        DataReady() ? ValueTask.FromResult(RingStatus.Ok) : ParkAsync(WaitTarget.Data, 0, deadline, cancellationToken);
}
