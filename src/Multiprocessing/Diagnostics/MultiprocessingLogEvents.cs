namespace Multiprocessing;

/// <summary>
/// The event ids of what this library logs (see <see cref="MultiprocessingLogging"/>), stable across versions: filter
/// or alert on them. 1xxx: child processes; 2xxx: process pools; 3xxx: connections; 4xxx: the resource tracker.
/// </summary>
public static class MultiprocessingLogEvents
{
    /// <summary>A child process could not be started (Error, <c>Multiprocessing.ChildProcess</c>).</summary>
    public const int ChildStartFailed = 1000;

    /// <summary>A record a child process sent could not be decoded, and was dropped (Warning, <c>Multiprocessing.ChildProcess</c>).</summary>
    public const int ChildRecordUnreadable = 1001;

    /// <summary>A pool's worker process died while it ran a task, or before it was asked to stop: its pid, exit code and signal (Warning, <c>Multiprocessing.ProcessPool</c>).</summary>
    public const int WorkerDied = 2000;

    /// <summary>A pool started a new worker in place of one that exited (Information, <c>Multiprocessing.ProcessPool</c>).</summary>
    public const int WorkerReplaced = 2001;

    /// <summary>A worker exited because it reached its task or memory limit (Information, <c>Multiprocessing.ProcessPool</c>).</summary>
    public const int WorkerRecycled = 2002;

    /// <summary>A task ran past its timeout: its worker was killed (Warning, <c>Multiprocessing.ProcessPool</c>).</summary>
    public const int WorkerTimedOut = 2003;

    /// <summary>A task threw in its worker; the record carries the <see cref="RemoteException"/> (Warning, <c>Multiprocessing.ProcessPool</c>).</summary>
    public const int TaskFailed = 2004;

    /// <summary>A pool could not start a worker in place of one that exited, and is broken (Error, <c>Multiprocessing.ProcessPool</c>).</summary>
    public const int WorkerStartFailed = 2005;

    /// <summary>A connection to a listener failed its handshake (wrong key, another protocol, silence): the peer and why (Warning, <c>Multiprocessing.Listener</c>).</summary>
    public const int HandshakeFailed = 3000;

    /// <summary>
    /// The resource tracker removed a shared memory segment (a file under /dev/shm) that its users left behind: they
    /// all exited or died without removing it. Logged by the process that started the tracker, through
    /// <see cref="MultiprocessingLogging.LoggerFactory"/> (Warning, <c>Multiprocessing.ResourceTracker</c>).
    /// </summary>
    public const int TrackerRemovedSegment = 4000;

    /// <summary>
    /// The resource tracker removed the socket folder of a listener whose process ended without closing it. Logged by
    /// the process that started the tracker, through <see cref="MultiprocessingLogging.LoggerFactory"/> (Warning,
    /// <c>Multiprocessing.ResourceTracker</c>).
    /// </summary>
    public const int TrackerRemovedSocketFolder = 4001;
}
