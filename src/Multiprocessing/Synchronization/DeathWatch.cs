using Multiprocessing.Interop;

namespace Multiprocessing.Synchronization;

/// <summary>
/// Wakes the futex words that waiters of this process sleep on when the process they wait for (a lock's holder,
/// a barrier's party) dies: one background thread polls the pidfds of those processes. This is how a dead
/// holder never wedges the others, without any timed polling.
/// </summary>
internal static unsafe class DeathWatch
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Entry> Entries = [];
    private static int wakeRead = -1;
    private static int wakeWrite = -1;

    /// <summary>
    /// Arranges for <paramref name="word"/> to be woken when <paramref name="pid"/> dies. Returns null if it is
    /// dead already; dispose the registration once the wait is over.
    /// </summary>
    public static Registration? Watch(int pid, int* word)
    {
        lock (Gate)
        {
            EnsureThread();
            if (Entries.TryGetValue(pid, out Entry? entry) && (entry.Dead || Liveness.HasExited(entry.Pidfd)))
            {
                // The process this entry watched has exited. Its registrations may outlive it (a pipe end held by a
                // process that never waits on it again), and the pid may name a new process by now (pids wrap, at
                // 32 768 by default): that one is watched anew, not taken for the dead one.
                entry.Dead = true;
                Entries.Remove(pid);
                if (entry.Words.Count == 0)
                {
                    Libc.Close(entry.Pidfd);
                }

                entry = null;
            }

            if (entry is null)
            {
                int fd = Liveness.TryOpen(pid);
                if (fd < 0)
                {
                    return null;
                }

                if (Liveness.HasExited(fd))
                {
                    // Dead already (a zombie still has a pidfd): the watch thread may have woken the words before
                    // this caller sleeps, so say it now.
                    Libc.Close(fd);
                    return null;
                }

                entry = new Entry(pid, fd);
                Entries.Add(pid, entry);
                Poke();
            }

            entry.Words.Add((nint)word);
            return new Registration(entry, (nint)word);
        }
    }

    private static void Release(Entry entry, nint word)
    {
        lock (Gate)
        {
            entry.Words.Remove(word);
            if (entry.Words.Count > 0)
            {
                return;
            }

            // The pid's entry now, unless a new process took the pid and replaced it (see Watch): its pidfd is
            // closed with its last registration either way.
            if (Entries.TryGetValue(entry.Pid, out Entry? current) && current == entry)
            {
                Entries.Remove(entry.Pid);
                Poke();
            }

            Libc.Close(entry.Pidfd);
        }
    }

    private static void EnsureThread()
    {
        if (wakeRead >= 0)
        {
            return;
        }

        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC | Libc.O_NONBLOCK) != 0)
        {
            throw Libc.Error("pipe2");
        }

        wakeRead = fds[0];
        wakeWrite = fds[1];
        new Thread(Loop) { IsBackground = true, Name = "Multiprocessing death watch" }.UnsafeStart();
    }

    private static void Poke()
    {
        byte one = 1;
        Libc.Write(wakeWrite, &one, 1);
    }

    private static void Loop()
    {
        var fds = new Libc.PollFd[1];
        var owners = new Entry?[1];
        byte* drain = stackalloc byte[64];
        while (true)
        {
            int count;
            lock (Gate)
            {
                count = 1 + Entries.Values.Count(e => !e.Dead);
                if (fds.Length < count)
                {
                    fds = new Libc.PollFd[count * 2];
                    owners = new Entry?[count * 2];
                }

                fds[0] = new Libc.PollFd { Fd = wakeRead, Events = Libc.POLLIN };
                int i = 1;
                foreach (Entry e in Entries.Values.Where(e => !e.Dead))
                {
                    owners[i] = e;
                    fds[i++] = new Libc.PollFd { Fd = e.Pidfd, Events = Libc.POLLIN };
                }
            }

            fixed (Libc.PollFd* p = fds)
            {
                if (Libc.Poll(p, (nuint)count, -1) < 0)
                {
                    continue;
                }
            }

            if (fds[0].REvents != 0)
            {
                while (Libc.Read(wakeRead, drain, 64) > 0)
                {
                }
            }

            for (int i = 1; i < count; i++)
            {
                if (fds[i].REvents == 0)
                {
                    continue;
                }

                lock (Gate)
                {
                    Entry e = owners[i]!;
                    e.Dead = true;
                    foreach (nint word in e.Words)
                    {
                        Libc.FutexWake((int*)word, int.MaxValue);
                    }
                }
            }
        }
    }

    /// <summary>A process being watched, and the words to wake when it dies.</summary>
    private sealed class Entry(int pid, int pidfd)
    {
        public int Pid { get; } = pid;

        public int Pidfd { get; } = pidfd;

        public List<nint> Words { get; } = [];

        private volatile bool dead;

        public bool Dead
        {
            get => dead;
            set => dead = value;
        }
    }

    /// <summary>Ends one watch.</summary>
    internal sealed class Registration : IDisposable
    {
        private Entry? entry;
        private readonly nint word;

        internal Registration(object entry, nint word)
        {
            this.entry = (Entry)entry;
            this.word = word;
        }

        /// <summary>
        /// Whether the watch thread has seen the process die (it sets this before it wakes the word): what a
        /// sleeper checks when a slice of its sleep ends, in case the wake-up came before it slept.
        /// </summary>
        public bool ProcessDied => Volatile.Read(ref entry) is not { } e || e.Dead;

        public void Dispose()
        {
            Entry? e = Interlocked.Exchange(ref entry, null);
            if (e is not null)
            {
                Release(e, word);
            }
        }
    }
}
