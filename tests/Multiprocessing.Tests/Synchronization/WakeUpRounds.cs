using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// Rounds of "every waiter sleeps, then one call wakes them all" over real processes: in each round the test waits
/// until all the waiters are inside their wait (by the object's own count of sleepers), makes the call (a Set at
/// once followed by a Clear, a NotifyAll...), and then every waiter must report that it was woken; a waiter that
/// slept through the call misses its report, and the round fails after 30 s. A waiter begins its next wait only
/// once the test lets it (after the whole round, the Clear included). Each process waits on one thread with the
/// blocking form and with the async form beside it.
/// </summary>
internal static class WakeUpRounds
{
    /// <summary>Rounds per test: enough for a lost wake-up that hit one round in two to show, within a few seconds.</summary>
    public const int Rounds = 40;

    /// <summary>Waiters per process: one blocking, one async.</summary>
    public const int PerProcess = 2;

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds: each waits until <paramref name="sleeping"/> reaches
    /// <paramref name="waiters"/>, calls <paramref name="wake"/>, takes one report per waiter from
    /// <paramref name="woken"/>, and lets them all go on to the next round through <paramref name="next"/>.
    /// </summary>
    public static void Drive(int rounds, int waiters, Func<int> sleeping, Action wake, SharedSemaphore woken, SharedSemaphore next, params ChildProcess[] children)
    {
        for (int round = 0; round < rounds; round++)
        {
            Handoff.Until(() => sleeping() == waiters, $"all {waiters} waiters sleep in round {round}", children);
            wake();
            for (int i = 0; i < waiters; i++)
            {
                Assert.True(woken.TryAcquire(Within.Deadline), $"Round {round}: only {i} of the {waiters} waiters that slept were woken.");
            }

            next.Release(waiters);
        }
    }

    /// <summary>
    /// A process's waiters: <paramref name="waitOnce"/> and <paramref name="waitOnceAsync"/> side by side, each
    /// round after round; -1, or the first round in which one of them was not woken. The async waiter's
    /// continuations run on the thread pool (the test's own thread is busy driving the rounds).
    /// </summary>
    public static async Task<int> WaitBothWays(int rounds, SharedSemaphore woken, SharedSemaphore next, Func<bool> waitOnce, Func<Task<bool>> waitOnceAsync)
    {
        Task<int> blocking = Task.Factory.StartNew(
            () =>
            {
                for (int round = 0; round < rounds; round++)
                {
                    if (!waitOnce())
                    {
                        return round;
                    }

                    woken.Release();
                    if (!next.TryAcquire(Within.Deadline))
                    {
                        return round;
                    }
                }

                return -1;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        int missedAsync = -1;
        for (int round = 0; round < rounds; round++)
        {
            if (!await waitOnceAsync().ConfigureAwait(false))
            {
                missedAsync = round;
                break;
            }

            woken.Release();
            if (!await next.TryAcquireAsync(Within.Deadline).ConfigureAwait(false))
            {
                missedAsync = round;
                break;
            }
        }

        int missed = await blocking.ConfigureAwait(false);
        return missed >= 0 ? missed : missedAsync;
    }

    /// <summary>A process's waiters on an event.</summary>
    public static Task<int> EventWaiters(SharedEvent ev, SharedSemaphore woken, SharedSemaphore next, int rounds) =>
        WaitBothWays(
            rounds,
            woken,
            next,
            () => ev.TryWait(Within.Deadline),
            () => ev.TryWaitAsync(Within.Deadline).AsTask());

    /// <summary>A process's parties at a barrier: false for a round whose wait threw <see cref="BrokenBarrierException"/>.</summary>
    public static Task<int> BarrierParties(SharedBarrier barrier, SharedSemaphore woken, SharedSemaphore next, int rounds) =>
        WaitBothWays(
            rounds,
            woken,
            next,
            () =>
            {
                try
                {
                    barrier.Wait(Within.Deadline);
                    return true;
                }
                catch (BrokenBarrierException)
                {
                    return false;
                }
            },
            async () =>
            {
                try
                {
                    await barrier.WaitAsync(Within.Deadline).ConfigureAwait(false);
                    return true;
                }
                catch (BrokenBarrierException)
                {
                    return false;
                }
            });

    /// <summary>A process's waiters on a condition: each takes the lock, waits for a notification, and lets the lock go.</summary>
    public static Task<int> ConditionWaiters(SharedCondition cond, SharedSemaphore woken, SharedSemaphore next, int rounds) =>
        WaitBothWays(
            rounds,
            woken,
            next,
            () =>
            {
                using (cond.Acquire(Within.Deadline))
                {
                    return cond.TryWait(Within.Deadline);
                }
            },
            async () =>
            {
                using (await cond.AcquireAsync(Within.Deadline).ConfigureAwait(false))
                {
                    return await cond.TryWaitAsync(Within.Deadline).ConfigureAwait(false);
                }
            });

    /// <summary>A process's acquirers of a semaphore's permits (which they keep).</summary>
    public static Task<int> SemaphoreAcquirers(SharedSemaphore semaphore, SharedSemaphore woken, SharedSemaphore next, int rounds) =>
        WaitBothWays(
            rounds,
            woken,
            next,
            () => semaphore.TryAcquire(Within.Deadline),
            () => semaphore.TryAcquireAsync(Within.Deadline).AsTask());
}
