using System.Diagnostics;

namespace Multiprocessing.Managers;

/// <summary>Waits in the manager that end when their client goes away, checked every <see cref="SliceMs"/>.</summary>
internal static class SessionWait
{
    /// <summary>How often a waiting client's connection is checked.</summary>
    public const int SliceMs = 100;

    /// <summary>
    /// Waits, holding <paramref name="gate"/> (a monitor; pulse it when <paramref name="ready"/> may have become
    /// true), until <paramref name="ready"/>, <paramref name="ms"/> milliseconds pass (-1: for ever), or the
    /// session's client is gone. <paramref name="ready"/> is checked first, so a ready wait is never reported as
    /// timed out or gone.
    /// </summary>
    public static WaitOutcome Until(object gate, Func<bool> ready, long ms, ManagerSession session)
    {
        long start = Stopwatch.GetTimestamp();
        while (!ready())
        {
            if (session.ClientGone)
            {
                return WaitOutcome.ClientGone;
            }

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

            Monitor.Wait(gate, (int)slice);
        }

        return WaitOutcome.Ready;
    }

    /// <summary>
    /// Waits for <paramref name="semaphore"/> at most <paramref name="ms"/> milliseconds (-1: for ever); false if
    /// the time ran out or the session's client is gone first (a wait for ever must not outlive its client: its
    /// thread would wait on, and take a permit meant for a live client when one came).
    /// </summary>
    public static bool Take(SemaphoreSlim semaphore, long ms, ManagerSession session)
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

            if (semaphore.Wait((int)slice))
            {
                return true;
            }

            if (session.ClientGone)
            {
                return false;
            }
        }
    }

    /// <summary>Waits for <paramref name="semaphore"/> for ever, or until the session's client is gone (false).</summary>
    public static bool Take(SemaphoreSlim semaphore, ManagerSession session)
    {
        while (!semaphore.Wait(SliceMs))
        {
            if (session.ClientGone)
            {
                return false;
            }
        }

        return true;
    }
}
