using System.Runtime.InteropServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Synchronization;

/// <summary>
/// Asynchronous futex waits: one background thread per process sleeps in <c>futex_waitv</c> on every word that
/// async waiters are interested in (up to 127 at once, plus a private word used to change the set), and completes
/// their tasks when a word is woken. Waiters beyond that many are served by a thread of their own.
/// </summary>
internal static unsafe class AsyncFutex
{
    private const int MaxWords = 127;
    private static readonly Lock Gate = new();
    private static readonly List<Waiter> Waiters = [];
    private static readonly int* Control = (int*)NativeMemory.AllocZeroed(sizeof(int));
    private static bool started;

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
            // Counting distinct words allocates: only when there may be too many of them.
            if (Waiters.Count >= MaxWords && Waiters.Select(w => w.Word).Distinct().Count() >= MaxWords && !Waiters.Any(w => w.Word == word))
            {
                return Task.Factory.StartNew(
                    () => FutexSleep.Sleep((int*)word, expected, deadline, 0, cancellationToken),
                    cancellationToken,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
            }

            Waiters.Add(waiter);
            if (!started)
            {
                started = true;
                new Thread(Loop) { IsBackground = true, Name = "Multiprocessing async futex" }.UnsafeStart();
            }
        }

        Poke();
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
            return Waiters.Count(w => w.Word == word);
        }
    }

    /// <summary>Completes every wait on a word in <paramref name="length"/> bytes at <paramref name="start"/> (a segment closed in this process: its waiters look again, and throw).</summary>
    public static void WakeRange(nint start, long length)
    {
        List<Waiter>? done = null;
        lock (Gate)
        {
            for (int i = Waiters.Count - 1; i >= 0; i--)
            {
                Waiter w = Waiters[i];
                if (w.Word >= start && w.Word < start + (nint)length)
                {
                    (done ??= []).Add(w);
                    Waiters.RemoveAt(i);
                }
            }
        }

        if (done is null)
        {
            return;
        }

        Poke();
        foreach (Waiter w in done)
        {
            w.Complete(true);
        }
    }

    private static void Remove(Waiter waiter)
    {
        lock (Gate)
        {
            Waiters.Remove(waiter);
        }

        Poke();
    }

    private static void Poke()
    {
        Interlocked.Increment(ref *Control);
        Libc.FutexWake(Control, 1);
    }

    private static void Loop()
    {
        Libc.FutexWaiter* entries = (Libc.FutexWaiter*)NativeMemory.Alloc((nuint)(MaxWords + 1), (nuint)sizeof(Libc.FutexWaiter));
        var words = new List<(nint Word, int Expected)>(MaxWords);
        while (true)
        {
            int control = Volatile.Read(ref *Control);
            List<Waiter> stale = [];
            words.Clear();
            lock (Gate)
            {
                foreach (Waiter w in Waiters)
                {
                    if (*(int*)w.Word != w.Expected)
                    {
                        stale.Add(w);
                    }
                    else if (!words.Contains((w.Word, w.Expected)))
                    {
                        words.Add((w.Word, w.Expected));
                    }
                }

                foreach (Waiter w in stale)
                {
                    Waiters.Remove(w);
                }
            }

            foreach (Waiter w in stale)
            {
                w.Complete(true);
            }

            entries[0] = Libc.FutexWaiter.For(Control, control);
            for (int i = 0; i < words.Count; i++)
            {
                entries[i + 1] = Libc.FutexWaiter.For((int*)words[i].Word, words[i].Expected);
            }

            int woken = Libc.FutexWaitMany(entries, words.Count + 1, -1);
            if (woken >= 1)
            {
                nint word = words[woken - 1].Word;
                List<Waiter> done;
                lock (Gate)
                {
                    done = Waiters.Where(w => w.Word == word).ToList();
                    Waiters.RemoveAll(w => w.Word == word);
                }

                foreach (Waiter w in done)
                {
                    w.Complete(true);
                }
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
