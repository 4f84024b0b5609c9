using System.Diagnostics;

namespace Multiprocessing.Synchronization;

/// <summary>The <see cref="IWaitMode"/> of blocking calls: every wait blocks the calling thread and completes at once.</summary>
internal readonly struct Blocking : IWaitMode
{
    /// <inheritdoc/>
    public static bool IsAsync => false;

    /// <inheritdoc/>
    public static unsafe ValueTask<bool> FutexWait(nint word, int expected, long ms, Sharing.Segment? segment, CancellationToken cancellationToken) =>
        new(FutexSleep.WaitOnce((int*)word, expected, ms, segment));

    /// <inheritdoc/>
    public static ValueTask Wait(SemaphoreSlim semaphore, CancellationToken cancellationToken)
    {
        semaphore.Wait(cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <summary>The result of a body run in this mode (complete, since nothing in it waited asynchronously).</summary>
    public static T Wait<T>(ValueTask<T> body)
    {
        Debug.Assert(body.IsCompleted, "A body run in the blocking mode completes synchronously.");
        return body.GetAwaiter().GetResult();
    }

    /// <summary>Ends a body run in this mode (complete, since nothing in it waited asynchronously), throwing what it threw.</summary>
    public static void Wait(ValueTask body)
    {
        Debug.Assert(body.IsCompleted, "A body run in the blocking mode completes synchronously.");
        body.GetAwaiter().GetResult();
    }
}
