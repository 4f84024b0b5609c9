using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

/// <summary>
/// In pipe mode, the holders of the other end of a ring, watched by the death watch for as long as this process
/// holds its end: a sleeper on the ring's <paramref name="word"/> is woken if one dies. The registrations are kept
/// from one sleep to the next and changed only when the holders change, so a sleep costs no system call and no
/// wake-up of the death-watch thread.
/// </summary>
/// <param name="word">The futex word the sleepers sleep on (the ring's data or space sequence).</param>
internal sealed unsafe class PeerWatch(nint word) : IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, DeathWatch.Registration> watched = [];
    private DeathWatch.Registration[] snapshot = [];
    private bool disposed;

    /// <summary>
    /// Watches the processes in <paramref name="ends"/> (other than this one), and no others.
    /// </summary>
    /// <param name="ends">The other end's slots (pids; negative while reserved in transit).</param>
    /// <param name="watches">The registrations, for a sleeper to look at when a slice of its sleep ends.</param>
    /// <returns>False if one of them is dead already: the caller looks again instead of sleeping.</returns>
    public bool Update(int* ends, out DeathWatch.Registration[] watches)
    {
        Span<int> pids = stackalloc int[RingHeader.MaxEnds];
        int n = 0;
        for (int i = 0; i < RingHeader.MaxEnds; i++)
        {
            int pid = Math.Abs(Volatile.Read(ref ends[i]));
            if (pid != 0 && pid != LockCore.Me && !pids[..n].Contains(pid))
            {
                pids[n++] = pid;
            }
        }

        lock (gate)
        {
            if (disposed)
            {
                watches = [];
                return true;
            }

            if (n == watched.Count && AllWatched(pids[..n]))
            {
                watches = snapshot;
                return true;
            }

            foreach (int known in watched.Keys.ToArray())
            {
                if (!pids[..n].Contains(known))
                {
                    watched.Remove(known, out DeathWatch.Registration? r);
                    r!.Dispose();
                }
            }

            bool allAlive = true;
            foreach (int pid in pids[..n])
            {
                if (!watched.ContainsKey(pid))
                {
                    if (DeathWatch.Watch(pid, (int*)word) is { } r)
                    {
                        watched.Add(pid, r);
                    }
                    else
                    {
                        allAlive = false; // Dead already: the caller's look at the ends clears its slot.
                    }
                }
            }

            snapshot = [.. watched.Values];
            watches = snapshot;
            return allAlive;
        }
    }

    /// <summary>Ends every watch (this process let go of its end).</summary>
    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            foreach (DeathWatch.Registration r in watched.Values)
            {
                r.Dispose();
            }

            watched.Clear();
            snapshot = [];
        }
    }

    private bool AllWatched(ReadOnlySpan<int> pids)
    {
        foreach (int pid in pids)
        {
            if (!watched.ContainsKey(pid))
            {
                return false;
            }
        }

        return true;
    }
}
