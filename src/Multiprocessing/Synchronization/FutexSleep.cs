using Multiprocessing.Interop;
using Multiprocessing.Sharing;

namespace Multiprocessing.Synchronization;

/// <summary>
/// The one place where this library blocks on shared memory: sleep in the kernel while a shared word keeps a
/// value, until it is woken, the deadline passes, the token fires, or a watched process dies. Callers loop and
/// re-check their own condition after every return.
/// </summary>
internal static class FutexSleep
{
    /// <summary>
    /// Sleeps while <c>*word == expected</c>. Returns false if the deadline passed, true otherwise (woken,
    /// value changed, or the process <paramref name="watchPid"/> died).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static unsafe bool Sleep(int* word, int expected, Deadline deadline, int watchPid, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long ms = deadline.RemainingMs;
        if (ms == 0)
        {
            return false;
        }

        DeathWatch.Registration? watch = null;
        if (watchPid != 0 && watchPid != Environment.ProcessId)
        {
            watch = DeathWatch.Watch(watchPid, word);
            if (watch is null)
            {
                return true; // Already dead: the caller takes over.
            }
        }

        try
        {
            return Wait(word, expected, deadline, watch is null ? null : [watch], cancellationToken);
        }
        finally
        {
            watch?.Dispose();
        }
    }

    /// <summary>
    /// How long one sleep lasts at most while a process is watched: the death watch wakes the sleeper when the
    /// process dies, but a wake-up that comes between the registration and the sleep itself finds nobody asleep
    /// (the word does not change when a process dies), so the sleeper looks again after each such slice.
    /// </summary>
    private const long WatchedSliceMs = 1000;

    /// <summary>
    /// Like <see cref="Sleep"/>, with watches the caller keeps from one sleep to the next (see
    /// <see cref="Messaging.PeerWatch"/>): returns true (as if woken) when one of their processes died.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static unsafe bool SleepWatched(int* word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration> watches, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return AnyDied(watches) || Wait(word, expected, deadline, watches, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="SleepWatched"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static ValueTask<bool> SleepWatchedAsync(nint word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration> watches, CancellationToken cancellationToken) =>
        AnyDied(watches) ? ValueTask.FromResult(true) : WaitAsync(word, expected, deadline, watches, cancellationToken);

    private static bool AnyDied(IReadOnlyList<DeathWatch.Registration>? watches)
    {
        if (watches is not null)
        {
            for (int i = 0; i < watches.Count; i++)
            {
                if (watches[i].ProcessDied)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Sleeps while <c>*word == expected</c> (see <see cref="Sleep"/>), in slices while <paramref name="watches"/> has any.</summary>
    /// <remarks>
    /// A word in a segment's mapping is slept on together with the segment's closing word (futex_waitv), so that
    /// the segment's <see cref="Segment.Dispose"/> in this process wakes the sleeper, which then throws
    /// <see cref="ObjectDisposedException"/> instead of sleeping on in memory about to be unmapped. (The sleeper's
    /// call holds a reference on the segment: the mapping stays until it has left.)
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The segment holding <paramref name="word"/> was closed in this process.</exception>
    private static unsafe bool Wait(int* word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration>? watches, CancellationToken cancellationToken)
    {
        Segment? segment = finishingOnClosed ? null : Segment.Containing((nint)word);
        ThrowIfClosed(segment);
        CancellationTokenRegistration cancel = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static w => Libc.FutexWake((int*)(nint)w!, int.MaxValue), (nint)word)
            : default;
        bool inTime = true;
        try
        {
            while (true)
            {
                long ms = deadline.RemainingMs;
                if (ms == 0)
                {
                    inTime = false;
                    break;
                }

                bool sliced = watches is { Count: > 0 } && (ms < 0 || ms > WatchedSliceMs);
                if (FutexWait(word, expected, sliced ? WatchedSliceMs : ms, segment))
                {
                    break;
                }

                if (!sliced)
                {
                    inTime = false; // The kernel's timeout: the time is up.
                    break;
                }

                if (AnyDied(watches))
                {
                    break; // It died, and its wake-up came before this thread slept.
                }
            }
        }
        finally
        {
            cancel.Dispose();
        }

        ThrowIfClosed(segment);
        if (inTime)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        return inTime;
    }

    /// <summary>
    /// Set on a thread that finishes what a closed segment's state needs on its way out (a barrier party, woken by
    /// its barrier's <c>Dispose</c>, breaking the barrier for the other processes): its sleeps then sleep on their
    /// word alone and do not throw for the close. Its call still holds its reference: the mapping stays.
    /// </summary>
    [ThreadStatic]
    private static bool finishingOnClosed;

    /// <summary>Runs <paramref name="finish"/> with this thread's sleeps blind to a segment closed in this process (see <see cref="finishingOnClosed"/>).</summary>
    public static T FinishOnClosed<T>(Func<T> finish)
    {
        bool outer = finishingOnClosed;
        finishingOnClosed = true;
        try
        {
            return finish();
        }
        finally
        {
            finishingOnClosed = outer;
        }
    }

    /// <summary>Set once futex_waitv turned out to be missing (Linux before 5.16): sleeps then watch only their word.</summary>
    private static bool noWaitMany;

    /// <summary>
    /// One futex sleep on <paramref name="word"/>, and on the closing word of <paramref name="segment"/> if any
    /// (without futex_waitv, on the word only: a Dispose in this process then does not wake the sleeper); false
    /// on timeout.
    /// </summary>
    private static unsafe bool FutexWait(int* word, int expected, long ms, Segment? segment)
    {
        if (segment is null || Volatile.Read(ref noWaitMany))
        {
            return Libc.FutexWait(word, expected, ms);
        }

        Libc.FutexWaiter* entries = stackalloc Libc.FutexWaiter[2];
        entries[0] = Libc.FutexWaiter.For(word, expected);
        entries[1] = Libc.FutexWaiter.For(segment.ClosingWord, 0);
        int woken = Libc.FutexWaitMany(entries, 2, ms);
        if (woken == -1 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == ENOSYS)
        {
            Volatile.Write(ref noWaitMany, true);
            return Libc.FutexWait(word, expected, ms);
        }

        return woken != -2;
    }

    private const int ENOSYS = 38;

    /// <summary>Throws if <paramref name="segment"/> (the one holding the word a sleep is on, if any) was closed in this process.</summary>
    private static void ThrowIfClosed(Segment? segment)
    {
        if (segment is not null && segment.IsClosed)
        {
            throw segment.ClosedException();
        }
    }

    /// <summary>
    /// Like <see cref="Sleep"/>, but watches several processes (a barrier's waiting parties): returns true at once
    /// if one of them is dead already, and is woken if one dies.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static unsafe bool SleepWatching(int* word, int expected, Deadline deadline, ReadOnlySpan<int> watchPids, CancellationToken cancellationToken)
    {
        List<DeathWatch.Registration>? watches = WatchAll(watchPids, (nint)word);
        if (watches is null)
        {
            return true;
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Wait(word, expected, deadline, watches, cancellationToken);
        }
        finally
        {
            watches.ForEach(w => w.Dispose());
        }
    }

    /// <summary>The asynchronous twin of <see cref="SleepWatching"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static async ValueTask<bool> SleepWatchingAsync(nint word, int expected, Deadline deadline, int[] watchPids, CancellationToken cancellationToken)
    {
        List<DeathWatch.Registration>? watches = WatchAll(watchPids, word);
        if (watches is null)
        {
            return true;
        }

        try
        {
            return await WaitAsync(word, expected, deadline, watches, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            watches.ForEach(w => w.Dispose());
        }
    }

    /// <summary>Watches every other process in <paramref name="pids"/>; null (and nothing left registered) if one is dead already.</summary>
    private static List<DeathWatch.Registration>? WatchAll(ReadOnlySpan<int> pids, nint word)
    {
        var watches = new List<DeathWatch.Registration>(pids.Length);
        foreach (int pid in pids)
        {
            if (pid == 0 || pid == Environment.ProcessId)
            {
                continue;
            }

            DeathWatch.Registration? r = Watch(pid, word);
            if (r is null)
            {
                watches.ForEach(w => w.Dispose());
                return null;
            }

            watches.Add(r);
        }

        return watches;
    }

    /// <summary>The asynchronous twin of <see cref="Sleep"/>: no thread is blocked while waiting.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static async ValueTask<bool> SleepAsync(nint word, int expected, Deadline deadline, int watchPid, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (deadline.RemainingMs == 0)
        {
            return false;
        }

        DeathWatch.Registration? watch = null;
        if (watchPid != 0 && watchPid != Environment.ProcessId)
        {
            watch = Watch(watchPid, word);
            if (watch is null)
            {
                return true;
            }
        }

        try
        {
            return await WaitAsync(word, expected, deadline, watch is null ? null : [watch], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            watch?.Dispose();
        }
    }

    /// <summary>The asynchronous twin of <see cref="Wait"/>.</summary>
    /// <exception cref="ObjectDisposedException">The segment holding <paramref name="word"/> was closed in this process.</exception>
    private static async ValueTask<bool> WaitAsync(nint word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration>? watches, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Segment? segment = Segment.Containing(word);
        while (true)
        {
            ThrowIfClosed(segment);
            long ms = deadline.RemainingMs;
            if (ms == 0)
            {
                return false;
            }

            bool sliced = watches is { Count: > 0 } && (ms < 0 || ms > WatchedSliceMs);
            Deadline slice = sliced ? Deadline.After(TimeSpan.FromMilliseconds(WatchedSliceMs)) : deadline;
            bool woken = await AsyncFutex.WaitAsync(word, expected, slice, cancellationToken, segment).ConfigureAwait(false);
            ThrowIfClosed(segment);
            if (woken)
            {
                return true;
            }

            if (!sliced)
            {
                return false; // The wait's own timer ran out: the time is up.
            }

            if (AnyDied(watches))
            {
                return true; // It died, and its wake-up came before this wait began.
            }
        }
    }

    private static unsafe DeathWatch.Registration? Watch(int pid, nint word) => DeathWatch.Watch(pid, (int*)word);
}
