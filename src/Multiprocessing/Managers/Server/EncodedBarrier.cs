using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>
/// A manager's barrier. Each round is an object, so the parties of a round that passed or broke see its outcome
/// even once a new round has begun. A timeout, an abort, a reset while parties wait, or a waiting client that
/// goes away breaks the round; later arrivals find it broken until a reset.
/// </summary>
internal sealed class EncodedBarrier : IManagedObject
{
    /// <summary>The outcomes <see cref="ManagerOp.BarrierWait"/> replies.</summary>
    internal const byte Passed = 0, Broken = 1, TimedOut = 2;

    private readonly object gate = new();
    private readonly AsyncPulse pulse = new();
    private readonly int parties;
    private Round round = new();

    /// <param name="initial">The number of parties (int32).</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one party.</exception>
    public EncodedBarrier(ReadOnlySpan<byte> initial)
    {
        parties = BinaryPrimitives.ReadInt32LittleEndian(initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1, "parties");
    }

    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.BarrierWait:
                return Wait(args.ReadInt64(), reply, session);
            case ManagerOp.BarrierReset:
                lock (gate)
                {
                    if (round.Arrived > 0)
                    {
                        BreakLocked(); // as Python's reset(): the parties waiting now get BrokenBarrierError
                    }

                    round = new Round();
                }

                break;
            case ManagerOp.BarrierAbort:
                lock (gate)
                {
                    BreakLocked();
                }

                break;
            case ManagerOp.BarrierState:
                lock (gate)
                {
                    reply.WriteInt32(parties);
                    reply.WriteInt32(round.IsBroken ? 0 : round.Arrived);
                    reply.WriteBool(round.IsBroken);
                }

                break;
            default:
                throw new InvalidOperationException($"A barrier has no operation {op}.");
        }

        return default;
    }

    private ValueTask Wait(long ms, WireBuffer reply, ManagerSession session)
    {
        Round mine;
        int index;
        lock (gate)
        {
            mine = round;
            if (mine.IsBroken)
            {
                reply.WriteByte(Broken);
                return default;
            }

            index = mine.Arrived++;
            if (mine.Arrived == parties)
            {
                mine.HasPassed = true;
                round = new Round();
                pulse.PulseAll();
                reply.WriteByte(Passed);
                reply.WriteInt32(index);
                return default;
            }
        }

        return WaitForRoundAsync(mine, index, ms, reply, session);
    }

    private async ValueTask WaitForRoundAsync(Round mine, int index, long ms, WireBuffer reply, ManagerSession session)
    {
        WaitOutcome outcome = await SessionWait.UntilAsync(gate, pulse, () => mine.HasPassed || mine.IsBroken, ms, session).ConfigureAwait(false);
        lock (gate)
        {
            if (mine.HasPassed)
            {
                reply.WriteByte(Passed);
                reply.WriteInt32(index);
                return;
            }

            if (mine.IsBroken)
            {
                reply.WriteByte(Broken);
                return;
            }

            BreakLocked(); // this party timed out or died: nobody waits for it for ever
            reply.WriteByte(outcome == WaitOutcome.TimedOut ? TimedOut : Broken);
        }
    }

    /// <summary>Breaks the current round (holding <see cref="gate"/>).</summary>
    private void BreakLocked()
    {
        round.IsBroken = true;
        pulse.PulseAll();
    }

    private sealed class Round
    {
        public int Arrived { get; set; }

        public bool HasPassed { get; set; }

        public bool IsBroken { get; set; }
    }
}
