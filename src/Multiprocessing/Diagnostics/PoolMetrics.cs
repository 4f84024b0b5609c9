using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// What one pool records in the <c>Multiprocessing</c> meter. Its synchronous instruments cost one read of
/// <see cref="Instrument.Enabled"/> per event while nobody listens (no timestamp, no tag list, no allocation);
/// the worker counts and the pending tasks are observed (read from the pool) only when a listener collects.
/// </summary>
internal sealed class PoolMetrics
{
    private readonly PoolInstruments instruments;
    private readonly KeyValuePair<string, object?> poolName;

    /// <summary>Sets up the metrics of <paramref name="pool"/>, through <paramref name="factory"/>'s meter if one is given.</summary>
    public PoolMetrics(WorkerPool pool, IMeterFactory? factory)
    {
        Factory = factory;
        instruments = PoolInstruments.Of(Meters.For(factory));
        poolName = new(TelemetryAttributes.PoolName, pool.Name);
        instruments.Track(pool);
    }

    /// <summary>The factory the pool was given (<see cref="PoolOptions.MeterFactory"/>), which its worker processes start with.</summary>
    public IMeterFactory? Factory { get; }

    /// <summary>A <see cref="Stopwatch"/> timestamp for a task that starts now, if task durations are measured; else 0 (which <see cref="TaskEnded"/> ignores).</summary>
    public long TaskStarting() => instruments.TaskDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records the duration of a task that started at <paramref name="startedAt"/> and ended now.</summary>
    /// <param name="startedAt">A <see cref="Stopwatch"/> timestamp; 0 if none was taken (nobody listened then): nothing is recorded.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="error">What it failed with (for <see cref="TaskOutcome.Failed"/> and <see cref="TaskOutcome.TimedOut"/>): its type becomes <c>error.type</c>.</param>
    public void TaskEnded(long startedAt, TaskOutcome outcome, Exception? error = null)
    {
        if (startedAt != 0 && instruments.TaskDuration.Enabled)
        {
            RecordTask(startedAt, outcome, error);
        }
    }

    /// <summary>The body of <see cref="TaskEnded"/> when a listener measures: apart, so that the pool's path does not set up (zero) a <see cref="TagList"/> when nobody listens.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordTask(long startedAt, TaskOutcome outcome, Exception? error)
    {
        Histogram<double> duration = instruments.TaskDuration;
        double seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var tags = new TagList { poolName, new(TelemetryAttributes.TaskOutcome, OutcomeName(outcome)) };
        if (error is not null && outcome != TaskOutcome.Cancelled)
        {
            tags.Add(TelemetryAttributes.ErrorType, ErrorType(error));
        }

        duration.Record(seconds, tags);
    }

    /// <summary>Counts a worker that stopped serving the pool.</summary>
    /// <param name="reason">One of <see cref="WorkerExitReason"/>'s values.</param>
    /// <param name="signal">The signal that killed a process worker, with <see cref="WorkerExitReason.Signal"/>; else 0.</param>
    public void WorkerExited(string reason, int signal = 0)
    {
        Counter<long> exits = instruments.WorkerExits;
        if (!exits.Enabled)
        {
            return;
        }

        var tags = new TagList { poolName, new(TelemetryAttributes.ExitReason, reason) };
        if (signal != 0)
        {
            tags.Add(TelemetryAttributes.ExitSignal, signal);
        }

        exits.Add(1, tags);
    }

    /// <summary>Counts a process worker that is gone, with the reason <see cref="WorkerExitReason.ForProcess"/> gives (and the signal, for <see cref="WorkerExitReason.Signal"/>).</summary>
    /// <inheritdoc cref="WorkerExitReason.ForProcess" path="/param"/>
    public void ProcessWorkerExited(Pools.PoolState poolState, bool timedOut, bool cancelled, bool retiring, int exitCode)
    {
        if (instruments.WorkerExits.Enabled)
        {
            string reason = WorkerExitReason.ForProcess(poolState, timedOut, cancelled, retiring, exitCode);
            WorkerExited(reason, reason == WorkerExitReason.Signal ? -exitCode : 0);
        }
    }

    /// <summary>The pool has stopped: its observable counts leave the meter.</summary>
    public void PoolStopped(WorkerPool pool) => instruments.Untrack(pool);

    private static string OutcomeName(TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.Completed => "completed",
        TaskOutcome.Cancelled => "cancelled",
        TaskOutcome.TimedOut => "timed_out",
        _ => "failed",
    };

    /// <summary>The exception's type; for an exception thrown in a worker process, the type it had there.</summary>
    private static string ErrorType(Exception error) =>
        error is RemoteException remote ? remote.RemoteType : error.GetType().FullName ?? error.GetType().Name;
}
