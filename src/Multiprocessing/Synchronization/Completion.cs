namespace Multiprocessing.Synchronization;

/// <summary>
/// A one-time "it has ended" in this process — a child's exit, a pool's stop — and the three ways Python's
/// <c>join</c> waits for it here: for ever, at most a timeout, and asynchronously with a token. Continuations run
/// asynchronously, so whoever completes it does not run the waiters' code.
/// </summary>
internal sealed class Completion() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>Waits until it has ended.</summary>
    public void Wait() => Task.GetAwaiter().GetResult();

    /// <summary>Waits at most <paramref name="timeout"/> until it has ended.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <returns>True if it has ended; false if the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite) or too large.</exception>
    public bool Wait(TimeSpan timeout) => Task.Wait(timeout);

    /// <summary>Waits asynchronously until it has ended.</summary>
    /// <param name="cancellationToken">Stops the wait (not what it waits for).</param>
    /// <returns>A task that completes when it has ended, or is cancelled when <paramref name="cancellationToken"/> fires first.</returns>
    public Task WaitAsync(CancellationToken cancellationToken) => Task.WaitAsync(cancellationToken);
}
