namespace Multiprocessing.Diagnostics;

/// <summary>
/// The attribute names the library puts on its measurements (<see cref="PoolInstruments"/>, <see cref="QueueMetrics"/>)
/// and its activities (<see cref="Tracing"/>, <see cref="RemoteTrace"/>): one list, so that a pool's name or a task's
/// outcome is spelled the same in metrics and traces. Lowercase and dotted, as OpenTelemetry's semantic conventions.
/// </summary>
internal static class TelemetryAttributes
{
    /// <summary>The pool's <see cref="WorkerPool.Name"/>, on every pool instrument and on a task's activity.</summary>
    public const string PoolName = "multiprocessing.pool.name";

    /// <summary>How a task ended: <c>completed</c>, <c>failed</c>, <c>cancelled</c> or <c>timed_out</c>.</summary>
    public const string TaskOutcome = "multiprocessing.task.outcome";

    /// <summary>(OpenTelemetry's) the full name of the exception type a task failed with; for a worker's exception, its type there.</summary>
    public const string ErrorType = "error.type";

    /// <summary>A pool worker's state: <c>starting</c>, <c>idle</c> or <c>busy</c>.</summary>
    public const string WorkerState = "multiprocessing.worker.state";

    /// <summary>Why a pool worker stopped: one of <see cref="WorkerExitReason"/>'s values.</summary>
    public const string ExitReason = "multiprocessing.worker.exit.reason";

    /// <summary>The number of the signal that killed a process worker.</summary>
    public const string ExitSignal = "multiprocessing.worker.exit.signal";

    /// <summary>The process id of the worker a task was sent to.</summary>
    public const string WorkerPid = "multiprocessing.worker.pid";

    /// <summary>The item count of a chunk of a map-style call.</summary>
    public const string TaskItems = "multiprocessing.task.items";

    /// <summary>A child process's name.</summary>
    public const string ProcessName = "multiprocessing.process.name";

    /// <summary>(OpenTelemetry's) a process id.</summary>
    public const string ProcessPid = "process.pid";

    /// <summary>A shared queue's name.</summary>
    public const string QueueName = "multiprocessing.queue.name";
}
