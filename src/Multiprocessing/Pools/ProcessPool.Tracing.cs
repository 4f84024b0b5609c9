using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    /// <summary>
    /// The frame to send for a task: <paramref name="frame"/> itself, or, when there is a trace context to carry (the
    /// task's <paramref name="activity"/>, else the caller's current one), the frame behind a <see cref="ProcessWire.Traced"/> header.
    /// </summary>
    private static byte[] Traced(byte[] frame, Activity? activity) =>
        TraceContextWire.ToCarry(activity) is { } carried ? TraceContextWire.Prefix(ProcessWire.Traced, carried, frame) : frame;

    /// <summary>Queues <paramref name="task"/>; with its <paramref name="activity"/>, stopped when <paramref name="completion"/> completes.</summary>
    private void Enqueue(ProcessTask task, Task completion, Activity? activity, CancellationToken cancellationToken)
    {
        if (activity is null)
        {
            Enqueue(task, cancellationToken);
            return;
        }

        task.Activity = activity;
        Tracing.Submit(activity, completion, (Pool: this, Task: task, Token: cancellationToken), static s => s.Pool.Enqueue(s.Task, s.Token));
    }
}
