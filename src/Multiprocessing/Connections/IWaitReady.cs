namespace Multiprocessing;

/// <summary>
/// What <see cref="Connection.Wait{T}"/> can wait on (Python's waitable objects): a connection, a child process
/// (its end: Python's sentinel) and a queue.
/// </summary>
internal interface IWaitReady
{
    /// <summary>Whether the object is ready now: reading from it, or joining it, would not wait.</summary>
    /// <exception cref="ObjectDisposedException">The object was disposed.</exception>
    bool IsReady { get; }

    /// <summary>Completes when the object may be ready (check <see cref="IsReady"/> again: another reader may have come first).</summary>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    /// <exception cref="ObjectDisposedException">The object was disposed.</exception>
    Task WhenReadyAsync(CancellationToken cancellationToken);
}
