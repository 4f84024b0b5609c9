using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    /// <summary>
    /// The tasks waiting to start (pool lock): those in the pool's queue, and those sent to a worker that has not
    /// started them. A task its worker has claimed has started, even if the pool has not read so yet (see
    /// <see cref="ProcessWorker.HasStarted"/>): it is never reported as waiting, nor cancelled as one.
    /// </summary>
    private IEnumerable<ProcessTask> WaitingTasks()
    {
        foreach (ProcessTask t in queued)
        {
            yield return t;
        }

        foreach (ProcessWorker? w in slots)
        {
            if (w is null)
            {
                continue;
            }

            foreach (ProcessTask t in w.InFlight)
            {
                if (!w.HasStarted(t))
                {
                    yield return t;
                }
            }
        }
    }

    /// <summary>
    /// The <paramref name="max"/> smallest ids of <paramref name="tasks"/>, in increasing order: the oldest tasks, as
    /// ids are given at submission. Neither the pool's queue (a dead worker's tasks go back to its front) nor the
    /// workers' lines (sent before what is still queued) are in that order, so all of them are looked at.
    /// </summary>
    private static List<long> OldestIds(IEnumerable<ProcessTask> tasks, int max)
    {
        var newestOnTop = new PriorityQueue<long, long>();
        foreach (ProcessTask t in tasks)
        {
            if (newestOnTop.Count < max)
            {
                newestOnTop.Enqueue(t.Id, -t.Id);
            }
            else if (max > 0 && t.Id < newestOnTop.Peek())
            {
                newestOnTop.EnqueueDequeue(t.Id, -t.Id);
            }
        }

        var ids = new List<long>(newestOnTop.Count);
        while (newestOnTop.TryDequeue(out long id, out _))
        {
            ids.Add(id);
        }

        ids.Reverse();
        return ids;
    }
}
