using System.Diagnostics;

namespace Multiprocessing.Synchronization;

/// <summary>
/// An exclusive lock, within this process, for blocking and awaiting callers alike, that no caller can keep from a
/// waiter for long: a caller that releases it and asks again at once may take it again (as with any lock, which keeps
/// a busy lock moving), but not once the first waiter has waited <see cref="StarvationLimit"/>: <see cref="Exit"/>
/// then hands the lock straight to that waiter, and nobody else may take it first.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="SemaphoreSlim"/> has no such limit: when it is released with a blocked <c>Wait</c>er and another caller
/// asks again (its <c>WaitAsync</c> or its next <c>Wait</c>) before the blocked thread has run, that caller takes the
/// count, and the woken thread waits again. A manager proxy whose awaited wait re-asks every 100 ms thus kept a
/// blocking <c>Put</c> on the same proxy off the wire for seconds at a time (for ever on a busy machine).
/// </para>
/// <para>
/// Nor is it a strict queue: a lock handed to the next waiter at every release waits, each time, for that waiter's
/// thread to be scheduled, and on a loaded machine that is milliseconds per call (four threads sharing one proxy made
/// 2,000 calls in 4 to over 30 s at load 45). Here a release with waiters that have not waited long frees the lock
/// and wakes the first of them to try for it; only a starved waiter gets it handed.
/// </para>
/// <para>Uncontended, <see cref="Enter{TMode}"/> and <see cref="Exit"/> take a monitor once each and allocate nothing.</para>
/// </remarks>
internal sealed class FairLock
{
    /// <summary>How long the first waiter may wait, by default, before the lock is handed to it at the next release.</summary>
    internal static readonly TimeSpan StarvationLimit = TimeSpan.FromMilliseconds(20);

    private readonly long starvationTicks;
    private readonly Lock gate = new();

    /// <summary>Whether the lock is held (or being handed to a waiter).</summary>
    private bool held;

    private Waiter? head;
    private Waiter? tail;

    /// <param name="starvationLimit">How long the first waiter may wait before the lock is handed to it (default <see cref="StarvationLimit"/>; zero: a strict queue).</param>
    public FairLock(TimeSpan? starvationLimit = null) =>
        starvationTicks = (long)((starvationLimit ?? StarvationLimit).TotalSeconds * Stopwatch.Frequency);

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

    /// <summary>Takes the lock if it is free now and no waiter has waited past <see cref="StarvationLimit"/>.</summary>
    public bool TryEnter()
    {
        lock (gate)
        {
            return TryTakeLocked(null);
        }
    }

    /// <summary>
    /// Takes the lock, blocking the thread or not as <typeparamref name="TMode"/> says; never after a waiter that had
    /// waited past <see cref="StarvationLimit"/> when the lock was last released. A cancellation that comes after the
    /// lock was handed to this caller is ignored (the caller holds the lock and must <see cref="Exit"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token fired before this caller took the lock (it did not).</exception>
    public ValueTask Enter<TMode>(CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        Waiter waiter;
        lock (gate)
        {
            if (TryTakeLocked(null))
            {
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
            while (!waiter.Wake.Task.GetAwaiter().GetResult() && !Compete(waiter, cancellationToken))
            {
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Releases the lock: to the first waiter if it has waited past <see cref="StarvationLimit"/> (it holds the lock
    /// from now on); else the lock is free, and the first waiter is woken to try for it.
    /// </summary>
    /// <exception cref="SynchronizationLockException">The lock is not held.</exception>
    public void Exit()
    {
        TaskCompletionSource<bool> wake;
        bool handed;
        lock (gate)
        {
            if (!held)
            {
                throw new SynchronizationLockException("The lock is not held.");
            }

            if (head is not { Woken: false } first)
            {
                // Nobody waits, or the first waiter is on its way to try already (and if it is starved, nobody may
                // take the lock before it: see TryTakeLocked).
                held = false;
                return;
            }

            handed = Starved(first);
            if (handed)
            {
                Dequeue(first); // held stays true: the lock is the waiter's now
            }
            else
            {
                held = false;
            }

            first.Woken = true;
            wake = first.Wake;
        }

        wake.TrySetResult(handed); // its continuation runs on the thread pool (or its blocked thread wakes), not here
    }

    private bool Starved(Waiter waiter) => Stopwatch.GetTimestamp() - waiter.Since >= starvationTicks;

    /// <summary>Takes the free lock for <paramref name="waiter"/> (null: a caller not queued), unless a starved waiter comes first (gate held).</summary>
    private bool TryTakeLocked(Waiter? waiter)
    {
        if (held || (head is not null && head != waiter && Starved(head)))
        {
            return false;
        }

        held = true;
        if (waiter is not null)
        {
            Dequeue(waiter);
        }

        return true;
    }

    /// <summary>A waiter woken to try: takes the lock if it can (true), else waits again in its place (false).</summary>
    /// <exception cref="OperationCanceledException">Its token fired meanwhile and took it out of the queue.</exception>
    private bool Compete(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!waiter.Queued)
            {
                throw new OperationCanceledException(cancellationToken); // removed by its token (see Remove)
            }

            if (TryTakeLocked(waiter))
            {
                return true;
            }

            waiter.Woken = false;
            waiter.Wake = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            return false;
        }
    }

    private async ValueTask WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using (Watch(waiter, cancellationToken))
        {
            while (!await waiter.Wake.Task.ConfigureAwait(false) && !Compete(waiter, cancellationToken))
            {
            }
        }
    }

    private static CancellationTokenRegistration Watch(Waiter waiter, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter)
            : default;

    /// <summary>Takes <paramref name="waiter"/> out of the queue (gate held).</summary>
    private void Dequeue(Waiter waiter)
    {
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
                return;
            }
        }
    }

    /// <summary>
    /// Takes a waiter whose token fired out of the queue, if it is still in it (false if the lock was handed to it or
    /// it took it); if the lock is free, the next waiter is woken to try for it, since this one will not.
    /// </summary>
    private bool Remove(Waiter waiter, out TaskCompletionSource<bool>? wakeNext)
    {
        wakeNext = null;
        lock (gate)
        {
            if (!waiter.Queued)
            {
                return false;
            }

            Dequeue(waiter);
            if (!held && head is { Woken: false } first)
            {
                first.Woken = true;
                wakeNext = first.Wake;
            }

            return true;
        }
    }

    /// <summary>One caller waiting for the lock: woken with true when the lock is handed to it, false when it may try for it.</summary>
    private sealed class Waiter(FairLock owner)
    {
        /// <summary>When it began to wait.</summary>
        public long Since { get; } = Stopwatch.GetTimestamp();

        /// <summary>Completed when it is woken (gate held to replace it).</summary>
        public TaskCompletionSource<bool> Wake { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The waiter after this one (gate held).</summary>
        public Waiter? Next { get; set; }

        /// <summary>Whether it is still in the queue (gate held).</summary>
        public bool Queued { get; set; } = true;

        /// <summary>Whether it has been woken and has not looked yet (gate held).</summary>
        public bool Woken { get; set; }

        public void Cancel(CancellationToken token)
        {
            if (owner.Remove(this, out TaskCompletionSource<bool>? wakeNext))
            {
                Wake.TrySetCanceled(token); // unless it was woken just before: it then finds itself out of the queue
                wakeNext?.TrySetResult(false);
            }
        }
    }
}
