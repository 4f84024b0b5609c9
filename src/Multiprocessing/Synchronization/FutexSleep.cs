using Multiprocessing.Interop;

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

        CancellationTokenRegistration cancel = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static w => Libc.FutexWake((int*)(nint)w!, int.MaxValue), (nint)word)
            : default;
        try
        {
            if (!Libc.FutexWait(word, expected, ms))
            {
                return false; // The kernel's timeout: the time is up.
            }
        }
        finally
        {
            cancel.Dispose();
            watch?.Dispose();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return true;
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
            return Sleep(word, expected, deadline, 0, cancellationToken);
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
            return await SleepAsync(word, expected, deadline, 0, cancellationToken).ConfigureAwait(false);
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
            bool woke = await AsyncFutex.WaitAsync(word, expected, deadline, cancellationToken).ConfigureAwait(false);
            return woke; // False only when the wait's own timer ran out: the time is up.
        }
        finally
        {
            watch?.Dispose();
        }
    }

    private static unsafe DeathWatch.Registration? Watch(int pid, nint word) => DeathWatch.Watch(pid, (int*)word);
}
