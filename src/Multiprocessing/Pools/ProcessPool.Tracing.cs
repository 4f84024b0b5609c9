using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
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
