using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

// Pipe mode: the processes holding each end, so that the other side sees the end go.
internal sealed unsafe partial class Ring
{
    /// <summary>
    /// Registers this process as a holder of the writing (or reading) end. <paramref name="inTransitFrom"/> is the
    /// pid of the process that sent this end here (0 if none): the slot it reserved is taken over. Then wakes the
    /// other side: a sleeper there watches the holders it saw before it slept (the sender, for a reservation), and
    /// must look again to watch this process, or it would not be woken when this process dies holding the end.
    /// </summary>
    /// <exception cref="InvalidOperationException">Too many open handles of that end.</exception>
    public void AttachEnd(bool writer, int inTransitFrom = 0)
    {
        TakeEndSlot(writer ? h->Writers : h->Readers, inTransitFrom);
        WakeAll(); // After the slot is written: a sleeper that read the sequence before this sees the slot, or is woken.
    }

    private static void TakeEndSlot(int* ends, int inTransitFrom)
    {
        // A reservation addressed to this process (see AddressReservation), else one still in the sender's name.
        if (inTransitFrom != 0 && (ReplaceEndSlot(ends, -LockCore.Me, LockCore.Me) || ReplaceEndSlot(ends, -inTransitFrom, LockCore.Me)))
        {
            return;
        }

        if (ReplaceEndSlot(ends, 0, LockCore.Me))
        {
            return;
        }

        // Slots of dead processes can be reused.
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            int pid = Volatile.Read(ref ends[i]);
            if (pid != 0 && !Liveness.IsAlive(Math.Abs(pid)) && Interlocked.CompareExchange(ref ends[i], LockCore.Me, pid) == pid)
            {
                return;
            }
        }

        throw new InvalidOperationException($"This pipe end is open in {RingHeader.MaxEnds} places already.");
    }

    /// <summary>
    /// Reserves a slot of the writing (or reading) end for a process this end is being sent to: until it attaches,
    /// the end counts as held as long as this process lives, or, once the reservation is addressed to the receiver
    /// (<see cref="AddressReservation"/>), as long as the receiver lives.
    /// </summary>
    public void ReserveEnd(bool writer)
    {
        if (ReplaceEndSlot(writer ? h->Writers : h->Readers, 0, -LockCore.Me))
        {
            return;
        }

        throw new InvalidOperationException($"This pipe end is open in {RingHeader.MaxEnds} places already.");
    }

    /// <summary>
    /// Addresses one reservation this process made (<see cref="ReserveEnd"/>) to the process <paramref name="receiver"/>,
    /// before that process can take it: from then on it counts as held as long as the receiver lives, not the
    /// sender, so it ends if the receiver exits without taking its end. A <paramref name="receiver"/> of 0 cancels
    /// it (the end was not sent after all). Wakes the other side, whose sleepers then watch the receiver.
    /// </summary>
    public void AddressReservation(bool writer, int receiver)
    {
        if (ReplaceEndSlot(writer ? h->Writers : h->Readers, -LockCore.Me, -receiver))
        {
            WakeAll();
        }
    }

    /// <summary>Replaces one slot holding <paramref name="from"/> with <paramref name="to"/>; false if none holds it.</summary>
    private static bool ReplaceEndSlot(int* ends, int from, int to)
    {
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            if (Interlocked.CompareExchange(ref ends[i], to, from) == from)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Unregisters one handle of this process on the writing (or reading) end and wakes the other side.</summary>
    public void DetachEnd(bool writer)
    {
        Volatile.Read(ref dataPeers)?.Dispose();
        Volatile.Read(ref roomPeers)?.Dispose();
        int* ends = writer ? h->Writers : h->Readers;
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            if (Interlocked.CompareExchange(ref ends[i], 0, LockCore.Me) == LockCore.Me)
            {
                break;
            }
        }

        WakeAll();
    }

    /// <summary>The writing end's holders as their slots say now (pids; negative while in transit; 0 for a free slot), for an error's message.</summary>
    internal string DescribeWriters()
    {
        var holders = new List<int>();
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            int pid = Volatile.Read(ref h->Writers[i]);
            if (pid != 0)
            {
                holders.Add(pid);
            }
        }

        return holders.Count == 0 ? "none" : string.Join(", ", holders);
    }

    private static bool AnyEnd(int* ends)
    {
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            if (Volatile.Read(ref ends[i]) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a live process holds one of <paramref name="ends"/>; clears the slots of dead ones.</summary>
    private static bool AnyLiveEnd(int* ends)
    {
        bool any = false;
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            int pid = Volatile.Read(ref ends[i]);
            if (pid == 0)
            {
                continue;
            }

            if (Liveness.IsAlive(Math.Abs(pid)))
            {
                any = true;
            }
            else
            {
                Interlocked.CompareExchange(ref ends[i], 0, pid);
            }
        }

        return any;
    }
}
