using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The receiving side of a trace context, in a child or a pool's worker: an activity made current around the
/// user's delegate, whose parent is the caller's span, so that an activity the user's code starts there joins the
/// caller's trace. Its methods are called only when a context arrived, and keep <see cref="Activity"/> out of the
/// callers' signatures: a child that receives none never loads System.Diagnostics.DiagnosticSource.
/// </summary>
internal static class RemoteTrace
{
    /// <summary>The child's run of its target, in the child.</summary>
    public const string ProcessRunActivity = "multiprocessing.process.run";

    /// <summary>A pool task's run, in the worker process.</summary>
    public const string TaskRunActivity = "multiprocessing.pool.task.run";

    /// <summary>
    /// Starts the activity <paramref name="name"/> as a child of the context in <paramref name="context"/> and makes
    /// it current; dispose it when the delegate returns. Through the <c>Multiprocessing</c> source when this process
    /// listens to it (so it is recorded here too), else as a plain activity that only carries the context.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a trace context.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IDisposable Start(string name, ReadOnlySpan<byte> context)
    {
        ActivityContext parent = TraceContextWire.Decode(context);
        Activity? activity = Tracing.Source.HasListeners() ? Tracing.Source.StartActivity(name, ActivityKind.Server, parent) : null;
        if (activity is null)
        {
            activity = new Activity(name);
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
            activity.Start();
        }

        activity.SetTag(TelemetryAttributes.ProcessPid, Environment.ProcessId);
        return activity;
    }
}
