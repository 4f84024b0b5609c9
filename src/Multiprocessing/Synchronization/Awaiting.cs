namespace Multiprocessing.Synchronization;

/// <summary>The <see cref="IWaitMode"/> of asynchronous calls: no thread is blocked while waiting.</summary>
internal readonly struct Awaiting : IWaitMode
{
    /// <inheritdoc/>
    public static bool IsAsync => true;

    /// <inheritdoc/>
    public static ValueTask<bool> FutexWait(nint word, int expected, long ms, Sharing.Segment? segment, CancellationToken cancellationToken) =>
        new(AsyncFutex.WaitAsync(word, expected, ms < 0 ? Deadline.Never : Deadline.After(TimeSpan.FromMilliseconds(ms)), cancellationToken, segment));

    /// <inheritdoc/>
    public static ValueTask Wait(SemaphoreSlim semaphore, CancellationToken cancellationToken) =>
        new(semaphore.WaitAsync(cancellationToken));
}
