using Microsoft.Extensions.Logging;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// What this library logs, as source-generated methods: each tests <see cref="ILogger.IsEnabled"/> before it
/// builds anything, so a disabled logger costs no allocation. Event ids: <see cref="MultiprocessingLogEvents"/>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = MultiprocessingLogEvents.ChildStartFailed, EventName = nameof(MultiprocessingLogEvents.ChildStartFailed), Level = LogLevel.Error,
        Message = "Child process {ChildName} could not be started")]
    public static partial void ChildStartFailed(ILogger logger, string childName, Exception exception);

    [LoggerMessage(EventId = MultiprocessingLogEvents.ChildRecordUnreadable, EventName = nameof(MultiprocessingLogEvents.ChildRecordUnreadable), Level = LogLevel.Warning,
        Message = "A log record sent by {ChildName} (pid {Pid}) could not be decoded and was dropped")]
    public static partial void ChildRecordUnreadable(ILogger logger, string childName, int pid, Exception exception);

    [LoggerMessage(EventId = MultiprocessingLogEvents.WorkerDied, EventName = nameof(MultiprocessingLogEvents.WorkerDied), Level = LogLevel.Warning,
        Message = "Worker {WorkerName} (pid {Pid}) of pool {PoolName} died with exit code {ExitCode} (signal {Signal}, 0 if none); it was running a task: {RunningTask}")]
    public static partial void WorkerDied(ILogger logger, string workerName, int pid, string poolName, int exitCode, int signal, bool runningTask);

    [LoggerMessage(EventId = MultiprocessingLogEvents.WorkerReplaced, EventName = nameof(MultiprocessingLogEvents.WorkerReplaced), Level = LogLevel.Information,
        Message = "Worker {WorkerName} (pid {Pid}) of pool {PoolName} was replaced by {NewWorkerName} (pid {NewPid})")]
    public static partial void WorkerReplaced(ILogger logger, string workerName, int pid, string poolName, string newWorkerName, int newPid);

    [LoggerMessage(EventId = MultiprocessingLogEvents.WorkerRecycled, EventName = nameof(MultiprocessingLogEvents.WorkerRecycled), Level = LogLevel.Information,
        Message = "Worker {WorkerName} (pid {Pid}) of pool {PoolName} was retired after {TaskCount} tasks (its task or memory limit, or a task cancelled in it)")]
    public static partial void WorkerRecycled(ILogger logger, string workerName, int pid, string poolName, int taskCount);

    [LoggerMessage(EventId = MultiprocessingLogEvents.WorkerTimedOut, EventName = nameof(MultiprocessingLogEvents.WorkerTimedOut), Level = LogLevel.Warning,
        Message = "A task ran past its timeout of {Timeout} in worker {WorkerName} (pid {Pid}) of pool {PoolName}: the worker was killed")]
    public static partial void WorkerTimedOut(ILogger logger, TimeSpan timeout, string workerName, int pid, string poolName);

    [LoggerMessage(EventId = MultiprocessingLogEvents.TaskFailed, EventName = nameof(MultiprocessingLogEvents.TaskFailed), Level = LogLevel.Warning,
        Message = "A task of pool {PoolName} threw {RemoteType} in worker {WorkerName} (pid {Pid})")]
    public static partial void TaskFailed(ILogger logger, string poolName, string remoteType, string workerName, int pid, Exception exception);

    [LoggerMessage(EventId = MultiprocessingLogEvents.WorkerStartFailed, EventName = nameof(MultiprocessingLogEvents.WorkerStartFailed), Level = LogLevel.Error,
        Message = "Pool {PoolName} could not start a worker in place of {WorkerName} (pid {Pid}): the pool is broken")]
    public static partial void WorkerStartFailed(ILogger logger, string poolName, string workerName, int pid, Exception exception);

    [LoggerMessage(EventId = MultiprocessingLogEvents.HandshakeFailed, EventName = nameof(MultiprocessingLogEvents.HandshakeFailed), Level = LogLevel.Warning,
        Message = "The handshake with {Peer} at {Address} failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string peer, string address, string reason, Exception exception);

    [LoggerMessage(EventId = MultiprocessingLogEvents.TrackerRemovedSegment, EventName = nameof(MultiprocessingLogEvents.TrackerRemovedSegment), Level = LogLevel.Warning,
        Message = "The resource tracker removed the shared memory segment /dev/shm/{SegmentName}: its users all ended without removing it")]
    public static partial void TrackerRemovedSegment(ILogger logger, string segmentName);

    [LoggerMessage(EventId = MultiprocessingLogEvents.TrackerRemovedSocketFolder, EventName = nameof(MultiprocessingLogEvents.TrackerRemovedSocketFolder), Level = LogLevel.Warning,
        Message = "The resource tracker removed the socket folder {FolderName} (in the temp folder) of a listener whose process ended without closing it")]
    public static partial void TrackerRemovedSocketFolder(ILogger logger, string folderName);
}
