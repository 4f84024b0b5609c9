namespace Multiprocessing;

public sealed partial class ThreadWorkerPool
{
    /// <inheritdoc/>
    /// <remarks>A thread pool's workers have no process id, no task ids and no restarts: <see cref="PoolWorkerInfo.Pid"/>, <see cref="PoolWorkerInfo.CurrentTaskId"/> and <see cref="PoolWorkerInfo.CurrentTaskElapsed"/> are null, <see cref="PoolWorkerInfo.Restarts"/> 0.</remarks>
    public override IReadOnlyList<PoolWorkerInfo> GetWorkers()
    {
        lock (gate)
        {
            var infos = new List<PoolWorkerInfo>(workers.Count);
            for (int i = 0; i < workers.Count; i++)
            {
                Pools.ThreadWorker w = workers[i];
                PoolWorkerState state = w.Current is null ? PoolWorkerState.Idle : PoolWorkerState.Busy;
                infos.Add(new PoolWorkerInfo(i, w.Name, null, state, null, null, w.Tally.SucceededCount + w.Tally.FailedCount, 0, null));
            }

            return infos;
        }
    }
}
