using Multiprocessing.Interop;

namespace Multiprocessing.Synchronization;

/// <summary>A counting semaphore on a shared word: spin briefly, then sleep in the kernel while the count is 0.</summary>
internal static class SemaphoreCore
{
    private const int SpinIterations = 30;

    public static unsafe bool TryTake(SemaphoreState* s)
    {
        while (true)
        {
            int v = Volatile.Read(ref s->Count);
            if (v <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref s->Count, v - 1, v) == v)
            {
                return true;
            }
        }
    }

    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public static unsafe bool Take(SemaphoreState* s, Deadline deadline, CancellationToken cancellationToken)
    {
        if (TryTake(s))
        {
            return true;
        }

        // Spin briefly, yielding the core after the first rounds: if the releaser shares this core, it gets to run.
        var spinner = default(SpinWait);
        for (int i = 0; i < SpinIterations; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref s->Count) > 0 && TryTake(s))
            {
                return true;
            }
        }

        Interlocked.Increment(ref s->Waiters);
        try
        {
            while (true)
            {
                if (TryTake(s))
                {
                    return true;
                }

                if (!FutexSleep.Sleep(&s->Count, 0, deadline, 0, cancellationToken))
                {
                    return TryTake(s);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref s->Waiters);
        }
    }

    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public static async ValueTask<bool> TakeAsync(nint state, Deadline deadline, CancellationToken cancellationToken)
    {
        AddWaiter(state, 1);
        try
        {
            while (true)
            {
                if (TryTakeAt(state))
                {
                    return true;
                }

                if (!await FutexSleep.SleepAsync(state, 0, deadline, 0, cancellationToken).ConfigureAwait(false))
                {
                    return TryTakeAt(state);
                }
            }
        }
        finally
        {
            AddWaiter(state, -1);
        }
    }

    /// <exception cref="SemaphoreFullException">A bounded semaphore would exceed its maximum.</exception>
    public static unsafe void Give(SemaphoreState* s, int count)
    {
        while (true)
        {
            int v = Volatile.Read(ref s->Count);
            if (s->Max > 0 && v + count > s->Max)
            {
                throw new SemaphoreFullException($"Released too many times: the bounded semaphore holds at most {s->Max}.");
            }

            if (Interlocked.CompareExchange(ref s->Count, v + count, v) == v)
            {
                break;
            }
        }

        if (Volatile.Read(ref s->Waiters) > 0)
        {
            Libc.FutexWake(&s->Count, count);
        }
    }

    private static unsafe bool TryTakeAt(nint state) => TryTake((SemaphoreState*)state);

    private static unsafe void AddWaiter(nint state, int delta) => Interlocked.Add(ref ((SemaphoreState*)state)->Waiters, delta);
}
