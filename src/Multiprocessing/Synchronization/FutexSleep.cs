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
    /// <exception cref="ObjectDisposedException">The segment holding <paramref name="word"/> was closed in this process.</exception>
    public static unsafe bool Sleep(int* word, int expected, Deadline deadline, int watchPid, CancellationToken cancellationToken) =>
        Blocking.Wait(Sleep<Blocking>((nint)word, expected, deadline, watchPid, cancellationToken));

    /// <summary>The asynchronous form of <see cref="Sleep(int*, int, Deadline, int, CancellationToken)"/>: no thread is blocked while waiting.</summary>
    /// <inheritdoc cref="Sleep(int*, int, Deadline, int, CancellationToken)"/>
    public static ValueTask<bool> SleepAsync(nint word, int expected, Deadline deadline, int watchPid, CancellationToken cancellationToken) =>
        Sleep<Awaiting>(word, expected, deadline, watchPid, cancellationToken);

    /// <summary>The one body of <see cref="Sleep(int*, int, Deadline, int, CancellationToken)"/> and <see cref="SleepAsync"/>.</summary>
    internal static ValueTask<bool> Sleep<TMode>(nint word, int expected, Deadline deadline, int watchPid, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (deadline.RemainingMs == 0)
        {
            return new(false);
        }

        if (watchPid == 0 || watchPid == Environment.ProcessId)
        {
            return Wait<TMode>(word, expected, deadline, null, cancellationToken);
        }

        DeathWatch.Registration? watch = Watch(watchPid, word);
        return watch is null
            ? new(true) // Already dead: the caller takes over.
            : WaitAndUnwatch<TMode>(word, expected, deadline, [watch], cancellationToken);
    }

    /// <summary>
    /// How long one sleep lasts at most while a process is watched: the death watch wakes the sleeper when the
    /// process dies, but a wake-up that comes between the registration and the sleep itself finds nobody asleep
    /// (the word does not change when a process dies), so the sleeper looks again after each such slice.
    /// </summary>
    private const long WatchedSliceMs = 1000;

    /// <summary>
    /// Like <see cref="Sleep(int*, int, Deadline, int, CancellationToken)"/>, with watches the caller keeps from one
    /// sleep to the next (see <see cref="Messaging.PeerWatch"/>): returns true (as if woken) when one of their
    /// processes died.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="ObjectDisposedException">The segment holding <paramref name="word"/> was closed in this process.</exception>
    public static unsafe bool SleepWatched(int* word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration> watches, CancellationToken cancellationToken) =>
        Blocking.Wait(SleepWatched<Blocking>((nint)word, expected, deadline, watches, cancellationToken));

    /// <summary>The asynchronous form of <see cref="SleepWatched(int*, int, Deadline, IReadOnlyList{DeathWatch.Registration}, CancellationToken)"/>.</summary>
    /// <inheritdoc cref="SleepWatched(int*, int, Deadline, IReadOnlyList{DeathWatch.Registration}, CancellationToken)"/>
    public static ValueTask<bool> SleepWatchedAsync(nint word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration> watches, CancellationToken cancellationToken) =>
        SleepWatched<Awaiting>(word, expected, deadline, watches, cancellationToken);

    internal static ValueTask<bool> SleepWatched<TMode>(nint word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration> watches, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        cancellationToken.ThrowIfCancellationRequested();
        return AnyDied(watches) ? new(true) : Wait<TMode>(word, expected, deadline, watches, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="Sleep(int*, int, Deadline, int, CancellationToken)"/>, but watches several processes (a
    /// barrier's waiting parties): returns true at once if one of them is dead already, and is woken if one dies.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="ObjectDisposedException">The segment holding <paramref name="word"/> was closed in this process.</exception>
    internal static ValueTask<bool> SleepWatching<TMode>(nint word, int expected, Deadline deadline, ReadOnlySpan<int> watchPids, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<DeathWatch.Registration>? watches = WatchAll(watchPids, word);
        return watches is null ? new(true) : WaitAndUnwatch<TMode>(word, expected, deadline, watches, cancellationToken);
    }

    /// <summary>Whether the death watch has seen the process of one of <paramref name="watches"/> die (or one has ended).</summary>
    internal static bool AnyDied(IReadOnlyList<DeathWatch.Registration>? watches)
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

    /// <summary><see cref="Wait{TMode}"/>, then ends <paramref name="watches"/>.</summary>
    private static async ValueTask<bool> WaitAndUnwatch<TMode>(nint word, int expected, Deadline deadline, List<DeathWatch.Registration> watches, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        try
        {
            return await Wait<TMode>(word, expected, deadline, watches, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            for (int i = 0; i < watches.Count; i++)
            {
                watches[i].Dispose();
            }
        }
    }

    /// <summary>
    /// The one sleep loop of every form: sleeps while <c>*word == expected</c> (see
    /// <see cref="Sleep(int*, int, Deadline, int, CancellationToken)"/>), in slices while <paramref name="watches"/>
    /// has any. The token is checked before sleeping and again after a wake-up in time, in both modes.
    /// </summary>
    /// <remarks>
    /// A word in a segment's mapping is slept on together with the segment's closing word (futex_waitv, or the async
    /// futex thread's set), so that the segment's <see cref="Segment.Dispose"/> in this process wakes the sleeper,
    /// which then throws <see cref="ObjectDisposedException"/> instead of sleeping on in memory about to be unmapped.
    /// (The sleeper's call holds a reference on the segment: the mapping stays until it has left.)
    /// A blocking sleep is woken by the token through a registration that wakes the word; an awaiting one is
    /// cancelled by <see cref="AsyncFutex"/> itself.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="ObjectDisposedException">The segment holding <paramref name="word"/> was closed in this process.</exception>
    private static async ValueTask<bool> Wait<TMode>(nint word, int expected, Deadline deadline, IReadOnlyList<DeathWatch.Registration>? watches, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        cancellationToken.ThrowIfCancellationRequested();
        Segment? segment = finishingOnClosed ? null : Segment.Containing(word);
        // A blocking sleep also sleeps on its thread's cancel word, which the token's callback sets and wakes: a
        // cancel that fires after the check above but before the thread is asleep in the kernel then makes the
        // sleep return at once (the word is no longer 0), where a wake of the data word would reach nobody.
        CancelWord? cancelWord = null;
        CancellationTokenRegistration cancel = default;
        if (!TMode.IsAsync && cancellationToken.CanBeCanceled)
        {
            cancelWord = threadCancelWord ??= new CancelWord();
            cancelWord.Arm();
            cancel = cancellationToken.UnsafeRegister(static w => ((CancelWord)w!).Fire(), cancelWord);
        }

        bool inTime;
        try
        {
            while (true)
            {
                ThrowIfClosed(segment);
                long ms = deadline.RemainingMs;
                if (ms == 0)
                {
                    inTime = false;
                    break;
                }

                bool sliced = watches is { Count: > 0 } && (ms < 0 || ms > WatchedSliceMs);
                if (await TMode.FutexWait(word, expected, sliced ? WatchedSliceMs : ms, segment, cancellationToken).ConfigureAwait(false))
                {
                    inTime = true;
                    break;
                }

                if (!sliced)
                {
                    inTime = false; // The sleep's own timeout: the time is up.
                    break;
                }

                if (AnyDied(watches))
                {
                    inTime = true; // It died, and its wake-up came before this thread slept.
                    break;
                }
            }
        }
        finally
        {
            cancel.Dispose(); // waits for a callback that is running: the word is not fired after this
            cancelWord?.Disarm();
        }

        ThrowIfClosed(segment);
        if (inTime)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        return inTime;
    }

    /// <summary>This thread's cancel word (see <see cref="CancelWord"/>), made on its first cancellable blocking sleep.</summary>
    [ThreadStatic]
    private static CancelWord? threadCancelWord;

    /// <summary>
    /// A word in native memory that a blocking sleep watches beside its own (futex_waitv) while its token can fire:
    /// 0 while armed, set to 1 and woken by the token's callback. Freed with the object, which a registration that
    /// may still fire keeps alive.
    /// </summary>
    private sealed unsafe class CancelWord
    {
        public int* Address { get; } = (int*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(sizeof(int));

        /// <summary>Whether a sleep of this thread watches the word now.</summary>
        public bool Armed { get; private set; }

        ~CancelWord() => System.Runtime.InteropServices.NativeMemory.Free(Address);

        public void Arm()
        {
            Volatile.Write(ref *Address, 0);
            Armed = true;
        }

        public void Disarm() => Armed = false;

        public void Fire()
        {
            Volatile.Write(ref *Address, 1);
            Libc.FutexWake(Address, 1);
        }
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
    /// One blocking futex sleep on <paramref name="word"/>, and on the closing word of <paramref name="segment"/> if
    /// any (without futex_waitv, on the word only: a Dispose in this process then does not wake the sleeper); false
    /// on timeout (see <see cref="Blocking.FutexWait"/>).
    /// </summary>
    internal static unsafe bool WaitOnce(int* word, int expected, long ms, Segment? segment)
    {
        int* cancel = threadCancelWord is { Armed: true } armed ? armed.Address : null;
        if ((segment is null && cancel is null) || Volatile.Read(ref noWaitMany))
        {
            return WaitOnWordOnly(word, expected, ms, cancel);
        }

        Libc.FutexWaiter* entries = stackalloc Libc.FutexWaiter[3];
        int count = 0;
        entries[count++] = Libc.FutexWaiter.For(word, expected);
        if (segment is not null)
        {
            entries[count++] = Libc.FutexWaiter.For(segment.ClosingWord, 0);
        }

        if (cancel is not null)
        {
            entries[count++] = Libc.FutexWaiter.For(cancel, 0);
        }

        int woken = Libc.FutexWaitMany(entries, count, ms);
        if (woken == -1 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == ENOSYS)
        {
            Volatile.Write(ref noWaitMany, true);
            return WaitOnWordOnly(word, expected, ms, cancel);
        }

        return woken != -2;
    }

    /// <summary>
    /// Without futex_waitv: a sleep on the word alone; a cancellable one in slices of at most
    /// <see cref="CancelSliceMs"/>, each end reported as a wake-up (callers re-check), so a cancel is seen within one.
    /// </summary>
    private static unsafe bool WaitOnWordOnly(int* word, int expected, long ms, int* cancel)
    {
        if (cancel is null || (ms >= 0 && ms <= CancelSliceMs))
        {
            return Libc.FutexWait(word, expected, ms);
        }

        _ = Libc.FutexWait(word, expected, CancelSliceMs);
        return true;
    }

    /// <summary>The longest a cancellable blocking sleep sleeps without futex_waitv (Linux before 5.16) before it looks at its token.</summary>
    private const int CancelSliceMs = 100;

    private const int ENOSYS = 38;

    /// <summary>Throws if <paramref name="segment"/> (the one holding the word a sleep is on, if any) was closed in this process.</summary>
    private static void ThrowIfClosed(Segment? segment)
    {
        if (segment is not null && segment.IsClosed)
        {
            throw segment.ClosedException();
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

    private static unsafe DeathWatch.Registration? Watch(int pid, nint word) => DeathWatch.Watch(pid, (int*)word);
}
