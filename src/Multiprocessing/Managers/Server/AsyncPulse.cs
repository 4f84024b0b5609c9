namespace Multiprocessing.Managers;

/// <summary>
/// The awaitable twin of <see cref="Monitor.PulseAll"/> for a managed object's waits, which hold no thread: under
/// the object's lock, a waiter whose condition does not hold takes <see cref="Next"/> and awaits it outside the
/// lock; <see cref="PulseAll"/> (under the lock, whenever a condition may have become true) completes it, and the
/// waiter checks its condition again under the lock. Used only under the owner's lock.
/// </summary>
internal sealed class AsyncPulse
{
    /// <summary>The signal the waiters now await; made when the first of them asks, so a pulse nobody awaits costs nothing.</summary>
    private TaskCompletionSource? next;

    /// <summary>A task that completes at the next <see cref="PulseAll"/> (call holding the owner's lock).</summary>
    public Task Next() => (next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Wakes every waiter that took <see cref="Next"/> before (call holding the owner's lock); their continuations run on the thread pool, not under the lock.</summary>
    public void PulseAll()
    {
        if (next is { } waking)
        {
            next = null;
            waking.SetResult();
        }
    }
}
