using System.Runtime.CompilerServices;
using Multiprocessing.Diagnostics;
using Multiprocessing.Interop;

namespace Multiprocessing.Synchronization;

/// <summary>
/// A mutual-exclusion lock on one shared 32-bit word holding the holder's pid, and a count of sleepers.
/// Acquiring spins briefly, then sleeps in the kernel (futex); releasing makes a system call only if someone
/// sleeps. Any thread of any process may release it (Python's <c>Lock</c>). If the holder dies, a waiter takes
/// the lock over and learns it was abandoned.
/// </summary>
/// <remarks>
/// Each sleeper watches the holder it saw (through <see cref="DeathWatch"/>), so every acquisition made while
/// someone sleeps wakes the sleepers to watch the new holder: otherwise a sleeper could keep watching a former
/// holder while the current one dies.
/// </remarks>
internal static class LockCore
{
    private const int SpinIterations = 60;
    private const int YieldIterations = 10;

    /// <summary>This process's id, as stored in the word.</summary>
    public static readonly int Me = Environment.ProcessId;

    /// <summary>Takes the lock if it is free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool TryAcquire(LockState* s)
    {
        // Test, then test-and-set: a failed compare-exchange would still take the cache line from the holder.
        if (Volatile.Read(ref s->Word) != 0 || Interlocked.CompareExchange(ref s->Word, Me, 0) != 0)
        {
            return false;
        }

        if (Volatile.Read(ref s->Sleepers) > 0)
        {
            // Sleepers watch the holder they saw (to wake if it dies): tell them the holder changed.
            Libc.FutexWake(&s->Word, int.MaxValue);
        }

        return true;
    }

    /// <summary>Pid of the holder, or 0.</summary>
    public static unsafe int Holder(LockState* s) => Volatile.Read(ref s->Word);

    /// <summary>Takes the lock, waiting until <paramref name="deadline"/>. Returns false on timeout.</summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    /// <exception cref="ObjectDisposedException">The lock's segment was closed in this process while waiting.</exception>
    public static unsafe bool Acquire(LockState* s, Deadline deadline, CancellationToken cancellationToken, out bool abandoned)
    {
        // The fast paths, as the async form's but for the spin, stay here, outside any state machine.
        abandoned = false;
        if (TryAcquire(s))
        {
            return true;
        }

        if (deadline.RemainingMs == 0)
        {
            // No waiting: but a lock whose holder is dead is free to take over.
            return TakeOverIfDead(s, out abandoned);
        }

        if (Spin(s))
        {
            return true;
        }

        (bool acquired, abandoned) = Blocking.Wait(SleepUntilAcquired<Blocking>((nint)s, deadline, cancellationToken));
        return acquired;
    }

    /// <summary>The asynchronous form of <see cref="Acquire(LockState*, Deadline, CancellationToken, out bool)"/>: no thread is blocked while waiting; returns (acquired, abandoned).</summary>
    /// <remarks>Its fast paths are the blocking form's (free now; no time to wait, but a dead holder to take over from), without a state machine; it does not spin (an awaiting caller does not hold its thread).</remarks>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    /// <exception cref="ObjectDisposedException">The lock's segment was closed in this process while waiting.</exception>
    public static unsafe ValueTask<(bool Acquired, bool Abandoned)> AcquireAsync(nint state, Deadline deadline, CancellationToken cancellationToken)
    {
        if (TryAcquire((LockState*)state))
        {
            return new((true, false));
        }

        return deadline.RemainingMs == 0 ? new(TakeOverAt(state)) : SleepUntilAcquired<Awaiting>(state, deadline, cancellationToken);
    }

    /// <summary>Sleeps on the holder it sees until the lock is free or the holder is dead (then takes it), or the time is up.</summary>
    private static async ValueTask<(bool Acquired, bool Abandoned)> SleepUntilAcquired<TMode>(nint state, Deadline deadline, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        int slept = 0;
        while (true)
        {
            (bool done, bool abandoned, int holder) = Step(state, slept);
            if (done)
            {
                return (true, abandoned);
            }

            slept = holder;
            AddSleeper(state, 1);
            bool inTime;
            try
            {
                inTime = await FutexSleep.Sleep<TMode>(state, holder, deadline, holder, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                AddSleeper(state, -1);
            }

            if (!inTime)
            {
                return TakeOverAt(state);
            }
        }
    }

    /// <summary>Takes the lock over if its holder has died.</summary>
    private static unsafe bool TakeOverIfDead(LockState* s, out bool abandoned)
    {
        abandoned = false;
        int holder = Volatile.Read(ref s->Word);
        if (holder == 0)
        {
            return TryAcquire(s);
        }

        if (holder == Me || Liveness.IsAlive(holder) || Interlocked.CompareExchange(ref s->Word, Me, holder) != holder)
        {
            return false;
        }

        abandoned = true;
        SharedCounters.LockTakenOver();
        Libc.FutexWake(&s->Word, int.MaxValue);
        return true;
    }

    /// <summary>Releases the lock, waking one sleeper if any.</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Release(LockState* s)
    {
        if (Interlocked.Exchange(ref s->Word, 0) == 0)
        {
            throw new SynchronizationLockException("The lock is not held: release without a matching acquire.");
        }

        if (Volatile.Read(ref s->Sleepers) > 0)
        {
            Libc.FutexWake(&s->Word, 1);
        }
    }

    private static unsafe (bool Acquired, bool Abandoned) TakeOverAt(nint state)
    {
        var s = (LockState*)state;
        if (TryAcquire(s))
        {
            return (true, false);
        }

        bool acquired = TakeOverIfDead(s, out bool abandoned);
        return (acquired, abandoned);
    }

    private static unsafe void AddSleeper(nint state, int delta) => Interlocked.Add(ref ((LockState*)state)->Sleepers, delta);

    /// <summary>One non-blocking round of <see cref="SleepUntilAcquired"/>: either finishes (free, or its holder slept on died: taken over), or says which holder to sleep on.</summary>
    private static unsafe (bool Done, bool Abandoned, int Holder) Step(nint state, int slept)
    {
        var s = (LockState*)state;
        while (true)
        {
            int holder = Volatile.Read(ref s->Word);
            if (holder == 0)
            {
                if (TryAcquire(s))
                {
                    return (true, false, 0);
                }

                continue;
            }

            if (slept == holder && holder != Me && !Liveness.IsAlive(holder))
            {
                // Woken with the word unchanged: the holder died while holding the lock.
                if (Interlocked.CompareExchange(ref s->Word, Me, holder) == holder)
                {
                    SharedCounters.LockTakenOver();
                    Libc.FutexWake(&s->Word, int.MaxValue);
                    return (true, true, 0);
                }

                continue;
            }

            return (false, false, holder);
        }
    }

    private static unsafe bool Spin(LockState* s)
    {
        // Spin (locks are held briefly: the holder on another core lets go within a few hundred nanoseconds),
        // then yield the core a few times (the holder may be waiting for this very core), then sleep.
        for (int i = 0; i < SpinIterations; i++)
        {
            if (i < SpinIterations - YieldIterations)
            {
                Thread.SpinWait(1 << Math.Min(i, 5));
            }
            else
            {
                Thread.Yield();
            }

            if (Volatile.Read(ref s->Word) == 0 && TryAcquire(s))
            {
                return true;
            }
        }

        return false;
    }
}
