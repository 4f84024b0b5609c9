using System.Diagnostics;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The library's <see cref="ActivitySource"/>, named <c>Multiprocessing</c>, and the activities it starts in the
/// calling process: one per child start, one per pool task (per chunk for maps). Every entry point first asks
/// <see cref="ActivitySource.HasListeners"/>, so that nothing is allocated when nobody listens.
/// </summary>
/// <remarks>
/// Names and tags follow the spirit of OpenTelemetry's semantic conventions: low-cardinality, dotted span names;
/// <c>error.type</c> and an <see cref="ActivityStatusCode.Error"/> status on failure.
/// </remarks>
internal static class Tracing
{
    /// <summary>The name of the activity source (and of the meter, see the metrics).</summary>
    public const string SourceName = "Multiprocessing";

    /// <summary>A child process being started, in the parent: from the call to <c>ChildProcess.Start</c> until it returns.</summary>
    public const string ProcessStartActivity = "multiprocessing.process.start";

    /// <summary>A pool's task (a call, or a chunk of a map), in the caller: from its submission until its task completes.</summary>
    public const string TaskActivity = "multiprocessing.pool.task";

    /// <summary>The source; its version is the library's.</summary>
    public static ActivitySource Source { get; } = new(SourceName, typeof(Tracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Set on the thread that starts a pool's worker process: the worker's start is traced, but no trace context is
    /// sent into the worker (it lives for many tasks, each of which carries its own).
    /// </summary>
    [ThreadStatic]
    private static bool startingPoolWorker;

    /// <summary>Whether this thread is starting a pool's worker (see <see cref="BeginPoolWorkerStart"/>).</summary>
    public static bool StartingPoolWorker => startingPoolWorker;

    /// <summary>Marks this thread as starting a pool's worker until <see cref="EndPoolWorkerStart"/>.</summary>
    public static void BeginPoolWorkerStart() => startingPoolWorker = true;

    /// <summary>Ends what <see cref="BeginPoolWorkerStart"/> began.</summary>
    public static void EndPoolWorkerStart() => startingPoolWorker = false;

    /// <summary>Starts the activity of a child's start and makes it current; null when nobody listens.</summary>
    public static Activity? StartProcessStart(string childName)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity(ProcessStartActivity, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryAttributes.ProcessName, childName);
        }

        return activity;
    }

    /// <summary>
    /// Starts the activity of a pool task, as a child of the submitter's current activity, without making it the
    /// submitter's current one (the task runs elsewhere); null when nobody listens.
    /// </summary>
    /// <param name="poolName">The pool's name.</param>
    /// <param name="items">The chunk's item count; negative for a single call.</param>
    /// <param name="kind"><see cref="ActivityKind.Client"/> for a process pool (the task runs in another process), else <see cref="ActivityKind.Internal"/>.</param>
    public static Activity? StartTask(string poolName, int items, ActivityKind kind)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? submitter = Activity.Current;
        Activity? activity = Source.StartActivity(TaskActivity, kind);
        if (activity is null)
        {
            return null;
        }

        Activity.Current = submitter;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(TelemetryAttributes.PoolName, poolName);
            if (items >= 0)
            {
                activity.SetTag(TelemetryAttributes.TaskItems, items);
            }
        }

        return activity;
    }

    /// <summary>Stops <paramref name="activity"/> when <paramref name="task"/> completes, with the task's outcome.</summary>
    public static void StopWhenDone(Task task, Activity activity) =>
        task.ContinueWith(
            static (t, state) => Stop((Activity)state!, t),
            activity,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>
    /// Hands a task whose activity is <paramref name="activity"/> to its pool (<paramref name="submit"/>), and stops
    /// the activity when <paramref name="completion"/> completes, or at once if the pool refuses the task.
    /// </summary>
    public static void Submit<TState>(Activity activity, Task completion, TState state, Action<TState> submit)
    {
        StopWhenDone(completion, activity);
        try
        {
            submit(state);
        }
        catch (Exception e)
        {
            activity.SetTag(TelemetryAttributes.TaskOutcome, "failed");
            SetError(activity, e);
            StopKeepingCurrent(activity);
            throw;
        }
    }

    /// <summary>Marks <paramref name="activity"/> failed by <paramref name="error"/>: status Error with its message, <c>error.type</c> its type's full name.</summary>
    public static void SetError(Activity activity, Exception error)
    {
        // A worker's exception: its own type and message, not those of the RemoteException that carries them.
        if (error is RemoteException remote)
        {
            activity.SetStatus(ActivityStatusCode.Error, remote.RemoteMessage);
            activity.SetTag(TelemetryAttributes.ErrorType, remote.RemoteType);
        }
        else
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.SetTag(TelemetryAttributes.ErrorType, error.GetType().FullName ?? error.GetType().Name);
        }
    }

    private static void Stop(Activity activity, Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            activity.SetTag(TelemetryAttributes.TaskOutcome, "completed");
        }
        else if (task.IsCanceled)
        {
            activity.SetTag(TelemetryAttributes.TaskOutcome, "cancelled");
        }
        else
        {
            Exception error = task.Exception!.InnerException ?? task.Exception;
            activity.SetTag(TelemetryAttributes.TaskOutcome, error is TimeoutException ? "timed_out" : "failed");
            SetError(activity, error);
        }

        StopKeepingCurrent(activity);
    }

    /// <summary>Stops <paramref name="activity"/>, which is not this thread's current one: Stop would make its parent current here.</summary>
    private static void StopKeepingCurrent(Activity activity)
    {
        Activity? current = Activity.Current;
        activity.Stop();
        Activity.Current = current;
    }
}
