using Microsoft.Extensions.Logging;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    /// <summary>The pool's factory (<see cref="PoolOptions.LoggerFactory"/> or the process-wide one), also given to its workers.</summary>
    private readonly ILoggerFactory loggerFactory;

    private readonly ILogger logger;

    private static (ILoggerFactory Factory, ILogger Logger) CreateLogger(ILoggerFactory? own)
    {
        ILoggerFactory factory = MultiprocessingLogging.Resolve(own);
        return (factory, factory.CreateLogger<ProcessPool>());
    }

    /// <summary>Logs how a worker ended, and what took its place (called once per worker, outside the pool lock).</summary>
    private void LogWorkerGone(ProcessWorker worker, int exitCode, ProcessTask? running, ProcessWorker? replacement, Exception? cannotReplace)
    {
        ChildProcess child = worker.Child;
        PoolState state = State;
        bool serving = state is PoolState.Open or PoolState.Closed;
        if (running is { TimedOut: true })
        {
            Log.WorkerTimedOut(logger, running.Timeout, child.Name, child.Pid, Name);
        }
        else if (running is { CancelRequested: true })
        {
            // Stopped for a cancellation its caller asked for: nothing went wrong.
        }
        else if (serving && (running is not null || (exitCode != 0 && !worker.EndClosed)))
        {
            Log.WorkerDied(logger, child.Name, child.Pid, Name, exitCode, exitCode < 0 ? -exitCode : 0, running is not null);
        }
        else if (state == PoolState.Open && worker.Retiring && exitCode == 0)
        {
            Log.WorkerRecycled(logger, child.Name, child.Pid, Name, worker.Done);
        }

        if (replacement is not null)
        {
            Log.WorkerReplaced(logger, child.Name, child.Pid, Name, replacement.Child.Name, replacement.Child.Pid);
        }

        if (cannotReplace is not null)
        {
            Log.WorkerStartFailed(logger, Name, child.Name, child.Pid, cannotReplace);
        }
    }
}
