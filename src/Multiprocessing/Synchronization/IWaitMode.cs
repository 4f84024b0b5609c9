namespace Multiprocessing.Synchronization;

/// <summary>
/// How one body of code serves a blocking call and its asynchronous twin (as dotnet/runtime's <c>SslStream</c>
/// does with its read/write adapters): the body is an <c>async ValueTask</c> method generic over the mode,
/// <see cref="Blocking"/> or <see cref="Awaiting"/>, and waits through the mode's members (or branches on
/// <see cref="IsAsync"/>, a constant once the JIT has specialised the body for the mode's struct).
/// </summary>
/// <remarks>
/// In the <see cref="Blocking"/> mode every wait blocks the calling thread and returns a completed task, so the
/// body never suspends: its state machine stays on the stack and nothing is allocated for it, and the blocking
/// caller takes the result with <see cref="Blocking.Wait{T}(ValueTask{T})"/>. Fast paths that need no wait stay
/// before the body, outside any state machine.
/// </remarks>
internal interface IWaitMode
{
    /// <summary>True for <see cref="Awaiting"/>: waits yield the thread; false for <see cref="Blocking"/>: they block it.</summary>
    static abstract bool IsAsync { get; }

    /// <summary>
    /// One futex sleep while <c>*word == expected</c>, for at most <paramref name="ms"/> milliseconds (-1: no
    /// limit): true when woken (or the word differs already), false when the time ran out. The segment holding the
    /// word, if any, is watched too: its closing in this process wakes the sleep (true), and the caller checks.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token fired (<see cref="Awaiting"/> only: a blocking sleep is woken by the caller's registration and returns true).</exception>
    static abstract ValueTask<bool> FutexWait(nint word, int expected, long ms, Sharing.Segment? segment, CancellationToken cancellationToken);

    /// <summary>Takes a count of <paramref name="semaphore"/>, waiting as long as needed.</summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    static abstract ValueTask Wait(SemaphoreSlim semaphore, CancellationToken cancellationToken);
}
