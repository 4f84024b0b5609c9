using System.Runtime.InteropServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Synchronization;

/// <summary>
/// Asynchronous futex waits: background threads sleep in <c>futex_waitv</c> on every word that async waiters are
/// interested in and complete their tasks when a word is woken. One <c>futex_waitv</c> takes at most 128 words, so
/// the words are dealt to shards of 127 (plus each shard's private word used to change its set), one thread each:
/// a word goes to the shard that already watches it, else to the first with room, else to a new shard. A shard
/// other than the first ends its thread once it has no waiter left, so a burst of waits leaves no threads behind.
/// </summary>
internal static unsafe class AsyncFutex
{
    private const int MaxWords = 127;

    /// <summary>Guards <see cref="Shards"/> and every shard's waiters and word counts.</summary>
    private static readonly Lock Gate = new();
    private static readonly List<Shard> Shards = [];

    /// <summary>Completes with true when <paramref name="word"/> may have changed, false when the deadline passed.</summary>
    /// <param name="word">The word.</param>
    /// <param name="expected">Its value while there is nothing to wake up for.</param>
    /// <param name="deadline">When to give up.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <param name="segment">The segment whose mapping holds <paramref name="word"/>, if any: its closing in this process completes the wait (<see cref="WakeRange"/>), and the caller checks why.</param>
    public static Task<bool> WaitAsync(nint word, int expected, Deadline deadline, CancellationToken cancellationToken, Sharing.Segment? segment = null)
    {
        if (*(int*)word != expected)
        {
            return Task.FromResult(true);
        }

        var waiter = new Waiter(word, expected);
        lock (Gate)
        {
            Place(waiter);
        }

        waiter.Shard.Poke();
        if (segment is not null && segment.IsClosed)
        {
            // Closed while this waiter was being added: WakeRange may have run before, and missed it.
            Remove(waiter);
            waiter.Complete(true);
        }

        if (!deadline.IsInfinite || cancellationToken.CanBeCanceled)
        {
            waiter.Arm(deadline, cancellationToken);
        }

        return waiter.Task;
    }

    /// <summary>How many async waits of this process are registered on <paramref name="word"/> now: for tests that must know their waiters sleep.</summary>
    internal static int WaitingOn(nint word)
    {
        lock (Gate)
        {
            return Shards.Sum(s => s.Waiters.Count(w => w.Word == word));
        }
    }

    /// <summary>How many shards (threads) serve async waits now: for tests.</summary>
    internal static int ShardCount
    {
        get
        {
            lock (Gate)
            {
                return Shards.Count;
            }
        }
    }

    /// <summary>Completes every wait on a word in <paramref name="length"/> bytes at <paramref name="start"/> (a segment closed in this process: its waiters look again, and throw).</summary>
    public static void WakeRange(nint start, long length)
    {
        List<Waiter>? done = null;
        lock (Gate)
        {
            foreach (Shard s in Shards)
            {
                for (int i = s.Waiters.Count - 1; i >= 0; i--)
                {
                    Waiter w = s.Waiters[i];
                    if (w.Word >= start && w.Word < start + (nint)length)
                    {
                        (done ??= []).Add(w);
                        s.RemoveAt(i);
                    }
                }
            }
        }

        if (done is null)
        {
            return;
        }

        foreach (Waiter w in done)
        {
            w.Shard.Poke();
            w.Complete(true);
        }
    }

    /// <summary>Gives <paramref name="waiter"/> to the shard watching its word, else to the first with room, else to a new one. Under <see cref="Gate"/>.</summary>
    private static void Place(Waiter waiter)
    {
        Shard? room = null;
        foreach (Shard s in Shards)
        {
            if (s.Watches(waiter.Word))
            {
                room = s;
                break;
            }

            if (room is null && s.WordCount < MaxWords)
            {
                room = s;
            }
        }

        if (room is null)
        {
            room = new Shard(first: Shards.Count == 0);
            Shards.Add(room);
            new Thread(room.Loop) { IsBackground = true, Name = "Multiprocessing async futex" }.UnsafeStart();
        }

        room.Add(waiter);
    }

    private static void Remove(Waiter waiter)
    {
        lock (Gate)
        {
            waiter.Shard.Remove(waiter);
        }

        waiter.Shard.Poke();
    }

    /// <summary>Up to <see cref="MaxWords"/> words and their waiters, served by one thread.</summary>
    private sealed class Shard(bool first)
    {
        /// <summary>The private word: bumped and woken when the set of words changes. Pinned managed memory, so that a poke after the shard has ended touches nothing freed.</summary>
        private readonly int[] control = GC.AllocateArray<int>(1, pinned: true);

        /// <summary>How many waiters each watched word has.</summary>
        private readonly Dictionary<nint, int> words = [];

        public List<Waiter> Waiters { get; } = [];

        public int WordCount => words.Count;

        public bool Watches(nint word) => words.ContainsKey(word);

        public void Add(Waiter waiter)
        {
            waiter.Shard = this;
            Waiters.Add(waiter);
            words[waiter.Word] = words.GetValueOrDefault(waiter.Word) + 1;
        }

        public void Remove(Waiter waiter)
        {
            int i = Waiters.IndexOf(waiter);
            if (i >= 0)
            {
                RemoveAt(i);
            }
        }

        public void RemoveAt(int i)
        {
            nint word = Waiters[i].Word;
            Waiters.RemoveAt(i);
            if (--words[word] == 0)
            {
                words.Remove(word);
            }
        }

        public void Poke()
        {
            fixed (int* c = control)
            {
                Interlocked.Increment(ref *c);
                Libc.FutexWake(c, 1);
            }
        }

        public void Loop()
        {
            Libc.FutexWaiter* entries = (Libc.FutexWaiter*)NativeMemory.Alloc((nuint)(MaxWords + 1), (nuint)sizeof(Libc.FutexWaiter));
            var watched = new List<(nint Word, int Expected)>(MaxWords);
            try
            {
                fixed (int* c = control)
                {
                    while (true)
                    {
                        int seen = Volatile.Read(ref *c);
                        List<Waiter> stale = [];
                        bool idle;
                        watched.Clear();
                        lock (Gate)
                        {
                            for (int i = Waiters.Count - 1; i >= 0; i--)
                            {
                                Waiter w = Waiters[i];
                                if (*(int*)w.Word != w.Expected)
                                {
                                    stale.Add(w);
                                    RemoveAt(i);
                                }
                                else if (!watched.Contains((w.Word, w.Expected)))
                                {
                                    watched.Add((w.Word, w.Expected));
                                }
                            }

                            idle = !first && Waiters.Count == 0;
                            if (idle)
                            {
                                // Placement happens under the gate: no waiter can come to this shard once it is out of the list.
                                Shards.Remove(this);
                            }
                        }

                        foreach (Waiter w in stale)
                        {
                            w.Complete(true);
                        }

                        if (idle)
                        {
                            return;
                        }

                        entries[0] = Libc.FutexWaiter.For(c, seen);
                        for (int i = 0; i < watched.Count; i++)
                        {
                            entries[i + 1] = Libc.FutexWaiter.For((int*)watched[i].Word, watched[i].Expected);
                        }

                        int woken = Libc.FutexWaitMany(entries, watched.Count + 1, -1);
                        if (woken >= 1)
                        {
                            nint word = watched[woken - 1].Word;
                            List<Waiter> done = [];
                            lock (Gate)
                            {
                                for (int i = Waiters.Count - 1; i >= 0; i--)
                                {
                                    if (Waiters[i].Word == word)
                                    {
                                        done.Add(Waiters[i]);
                                        RemoveAt(i);
                                    }
                                }
                            }

                            foreach (Waiter w in done)
                            {
                                w.Complete(true);
                            }
                        }
                    }
                }
            }
            finally
            {
                NativeMemory.Free(entries);
            }
        }
    }

    /// <summary>One async wait.</summary>
    private sealed class Waiter(nint word, int expected) : IDisposable
    {
        private readonly TaskCompletionSource<bool> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenSource? timer;
        private CancellationTokenRegistration registration;

        public nint Word { get; } = word;

        public int Expected { get; } = expected;

        /// <summary>The shard serving this wait (set under the gate when placed; never changes).</summary>
        public Shard Shard { get; set; } = null!;

        public Task<bool> Task => completion.Task;

        public void Arm(Deadline deadline, CancellationToken cancellationToken)
        {
            if (!deadline.IsInfinite)
            {
                timer = new CancellationTokenSource(TimeSpan.FromMilliseconds(deadline.RemainingMs));
                timer.Token.UnsafeRegister(static s => ((Waiter)s!).Expire(), this);
            }

            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static (s, ct) => ((Waiter)s!).Cancel(ct), this);
            }

            if (completion.Task.IsCompleted)
            {
                Cleanup(); // Woken before it was armed: nothing left to time out.
            }
        }

        public void Complete(bool value)
        {
            if (completion.TrySetResult(value))
            {
                Cleanup();
            }
        }

        private void Expire()
        {
            Remove(this);
            Complete(false);
        }

        private void Cancel(CancellationToken cancellationToken)
        {
            Remove(this);
            if (completion.TrySetCanceled(cancellationToken))
            {
                Cleanup();
            }
        }

        public void Dispose() => Cleanup();

        private void Cleanup()
        {
            registration.Dispose();
            timer?.Dispose();
        }
    }
}
