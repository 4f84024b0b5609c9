using System.Diagnostics;

namespace Multiprocessing.Managers;

/// <summary>
/// Waits in the manager that hold no thread while they wait, and end when their client goes away, checked every
/// <see cref="SliceMs"/>.
/// </summary>
internal static class SessionWait
{
    /// <summary>How often a waiting client's connection is checked.</summary>
    public const int SliceMs = 100;

    /// <summary>
    /// Waits until <paramref name="attempt"/> succeeds, <paramref name="ms"/> milliseconds pass (-1: for ever), or
    /// the session's client is gone. <paramref name="attempt"/> runs holding <paramref name="gate"/> (a monitor),
    /// first at once and again after each <see cref="AsyncPulse.PulseAll"/> of <paramref name="pulse"/> (which the
    /// object calls under <paramref name="gate"/> when an attempt may now succeed); it returns true once it has done
    /// what the wait was for (under the same hold of the lock: taken an item, seen a flag), and may throw. It is
    /// tried before the time is checked, so a ready wait is never reported as timed out; after the first try the
    /// client is asked before each attempt, so nothing is taken for a client that is gone.
    /// </summary>
    public static ValueTask<WaitOutcome> UntilAsync(object gate, AsyncPulse pulse, Func<bool> attempt, long ms, ManagerSession session)
    {
        long start = Stopwatch.GetTimestamp();
        Task signal;
        lock (gate)
        {
            if (attempt())
            {
                return new ValueTask<WaitOutcome>(WaitOutcome.Ready);
            }

            if (ms == 0)
            {
                return new ValueTask<WaitOutcome>(session.ClientGone ? WaitOutcome.ClientGone : WaitOutcome.TimedOut);
            }

            signal = pulse.Next();
        }

        return WaitAsync(gate, pulse, attempt, signal, start, ms, session);
    }

    /// <summary>
    /// Waits for <paramref name="semaphore"/> at most <paramref name="ms"/> milliseconds (-1: for ever); false if
    /// the time ran out or the session's client is gone first (a wait for ever must not outlive its client: it
    /// would wait on, and take a permit meant for a live client when one came).
    /// </summary>
    public static ValueTask<bool> TakeAsync(SemaphoreSlim semaphore, long ms, ManagerSession session) =>
        semaphore.Wait(0) ? new ValueTask<bool>(true)
        : ms == 0 ? new ValueTask<bool>(false)
        : TakeSlicedAsync(semaphore, ms, session);

    /// <summary>
    /// <see cref="TakeAsync"/> for a client's acquire: a permit taken while the client went away is given back
    /// (false), since its client will never learn it had it.
    /// </summary>
    public static ValueTask<bool> TakeForClientAsync(SemaphoreSlim semaphore, long ms, ManagerSession session)
    {
        ValueTask<bool> taking = TakeAsync(semaphore, ms, session);
        return taking.IsCompleted ? new ValueTask<bool>(Kept(semaphore, taking.Result, session)) : KeptAsync(semaphore, taking, session);
    }

    private static async ValueTask<bool> KeptAsync(SemaphoreSlim semaphore, ValueTask<bool> taking, ManagerSession session) =>
        Kept(semaphore, await taking.ConfigureAwait(false), session);

    private static bool Kept(SemaphoreSlim semaphore, bool taken, ManagerSession session)
    {
        if (taken && session.ClientGone)
        {
            semaphore.Release();
            return false;
        }

        return taken;
    }

    private static async ValueTask<WaitOutcome> WaitAsync(object gate, AsyncPulse pulse, Func<bool> attempt, Task signal, long start, long ms, ManagerSession session)
    {
        while (true)
        {
            long slice = SliceMs;
            if (ms >= 0)
            {
                long left = ms - (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (left <= 0)
                {
                    return WaitOutcome.TimedOut;
                }

                slice = Math.Min(slice, left);
            }

            await signal.WaitAsync(TimeSpan.FromMilliseconds(slice)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            // The client is asked before the attempt, never after: an attempt takes what it waited for (a queue's
            // item), which a client gone would never receive.
            if (session.ClientGone)
            {
                return WaitOutcome.ClientGone;
            }

            lock (gate)
            {
                if (attempt())
                {
                    return WaitOutcome.Ready;
                }

                signal = pulse.Next();
            }
        }
    }

    private static async ValueTask<bool> TakeSlicedAsync(SemaphoreSlim semaphore, long ms, ManagerSession session)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            long slice = SliceMs;
            if (ms >= 0)
            {
                long left = ms - (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (left <= 0)
                {
                    return semaphore.Wait(0);
                }

                slice = Math.Min(slice, left);
            }

            if (await semaphore.WaitAsync((int)slice).ConfigureAwait(false))
            {
                return true;
            }

            if (session.ClientGone)
            {
                return false;
            }
        }
    }
}
