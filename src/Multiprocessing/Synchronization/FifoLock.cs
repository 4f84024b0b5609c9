namespace Multiprocessing.Synchronization;

/// <summary>
/// An exclusive lock, within this process, handed to its waiters in the order they came, whether they block a
/// thread or await: <see cref="Exit"/> gives the lock straight to the first waiter, so a caller that comes back at
/// once (a sliced wait's next request) queues behind those already waiting and cannot take it again first.
/// </summary>
/// <remarks>
/// <see cref="SemaphoreSlim"/> is not such a lock: when it is released with a blocked <c>Wait</c>er and another
/// caller asks again (its <c>WaitAsync</c> or its next <c>Wait</c>) before the blocked thread has run, that caller
/// takes the count, and the woken thread waits again. A manager proxy whose awaited wait re-asks every
/// 100 ms thus kept a blocking <c>Put</c> on the same proxy off the wire for seconds at a time (for ever on a busy
/// machine). Uncontended, <see cref="Enter{TMode}"/> and <see cref="Exit"/> take a monitor once each and allocate nothing.
/// </remarks>
internal sealed class FifoLock
{
    private readonly Lock gate = new();

    /// <summary>Whether the lock is held (or being handed to <see cref="head"/>); while it is not, no one waits.</summary>
    private bool held;

    private Waiter? head;
    private Waiter? tail;

    /// <summary>How many callers wait for the lock now (for tests and diagnostics).</summary>
    internal int WaiterCount
    {
        get
        {
            lock (gate)
            {
                int n = 0;
                for (Waiter? w = head; w is not null; w = w.Next)
                {
                    n++;
                }

                return n;
            }
        }
    }

    /// <summary>Takes the lock if it is free now (never ahead of a waiter: while one waits, the lock is held).</summary>
    public bool TryEnter()
    {
        lock (gate)
        {
            if (held)
            {
                return false;
            }

            held = true;
            return true;
        }
    }

    /// <summary>
    /// Takes the lock, after every caller already waiting for it, blocking the thread or not as
    /// <typeparamref name="TMode"/> says. A cancellation that comes after the lock was handed to this caller is
    /// ignored (the caller holds the lock and must <see cref="Exit"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token fired before the lock was handed to this caller (it was not).</exception>
    public ValueTask Enter<TMode>(CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        Waiter waiter;
        lock (gate)
        {
            if (!held)
            {
                held = true;
                return ValueTask.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter(this);
            if (tail is null)
            {
                head = waiter;
            }
            else
            {
                tail.Next = waiter;
            }

            tail = waiter;
        }

        if (TMode.IsAsync)
        {
            return WaitAsync(waiter, cancellationToken);
        }

        using (Watch(waiter, cancellationToken))
        {
            waiter.Task.GetAwaiter().GetResult();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Releases the lock: to the first waiter if there is one (it holds the lock from now on), else free.</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held.</exception>
    public void Exit()
    {
        Waiter? next;
        lock (gate)
        {
            if (!held)
            {
                throw new SynchronizationLockException("The lock is not held.");
            }

            next = head;
            if (next is null)
            {
                held = false;
                return;
            }

            head = next.Next;
            if (head is null)
            {
                tail = null;
            }

            next.Next = null;
            next.Queued = false;
        }

        next.TrySetResult(); // its continuation runs on the thread pool (or its blocked thread wakes), not here
    }

    private static async ValueTask WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using (Watch(waiter, cancellationToken))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    private static CancellationTokenRegistration Watch(Waiter waiter, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter)
            : default;

    /// <summary>Takes <paramref name="waiter"/> out of the queue if it is still in it; false if the lock was handed to it already.</summary>
    private bool Remove(Waiter waiter)
    {
        lock (gate)
        {
            if (!waiter.Queued)
            {
                return false;
            }

            Waiter? before = null;
            for (Waiter? w = head; w is not null; before = w, w = w.Next)
            {
                if (w == waiter)
                {
                    if (before is null)
                    {
                        head = w.Next;
                    }
                    else
                    {
                        before.Next = w.Next;
                    }

                    if (tail == w)
                    {
                        tail = before;
                    }

                    w.Next = null;
                    w.Queued = false;
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One caller waiting for the lock; completed when the lock is handed to it, cancelled if its token fires first.</summary>
    private sealed class Waiter(FifoLock owner) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        /// <summary>The waiter after this one (under the owner's gate).</summary>
        public Waiter? Next { get; set; }

        /// <summary>Whether it is still in the queue (under the owner's gate).</summary>
        public bool Queued { get; set; } = true;

        public void Cancel(CancellationToken token)
        {
            if (owner.Remove(this))
            {
                TrySetCanceled(token);
            }
        }
    }
}
