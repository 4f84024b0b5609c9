using System.Diagnostics;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ThreadWorkerPool
{
    /// <summary>
    /// Queues <paramref name="work"/>, to run with <paramref name="activity"/> (its task's activity, or null when nobody
    /// listens), else the submitter's current activity, as <see cref="Activity.Current"/>; the task's activity is
    /// stopped when the task completes.
    /// </summary>
    private void PostTraced<TResult>(ThreadWork<TResult> work, Activity? activity)
    {
        work.TraceParent = activity ?? Activity.Current;
        IThreadWork queued = work;
        if (activity is null)
        {
            Post(queued);
            return;
        }

        Tracing.Submit(activity, work.Task, (Pool: this, Work: queued), static s => s.Pool.Post(s.Work));
    }
}
