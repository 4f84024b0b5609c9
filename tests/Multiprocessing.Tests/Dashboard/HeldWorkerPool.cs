using Multiprocessing.Tests.Pools;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Dashboard;

/// <summary>
/// A process pool of one worker, held busy on a task until <see cref="Release"/>, so that the tasks <see cref="Queue"/>
/// submits wait behind it: what the tests of the dashboard's cancel action act on. <see cref="Dispose"/> releases the
/// held task first (a pool's Dispose waits for its running tasks), then disposes the pool and the events.
/// </summary>
internal sealed class HeldWorkerPool : IDisposable
{
    private readonly SharedEvent started = SharedEvent.Create();
    private readonly SharedEvent release = SharedEvent.Create();
    private readonly List<SharedEvent> ranEvents = [];

    private HeldWorkerPool()
    {
        Pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, Name = $"dash-{Guid.NewGuid():N}" });
    }

    public ProcessPool Pool { get; }

    /// <summary>The held task: it returns 1 once released.</summary>
    public Task<int> Running { get; private set; } = Task.FromResult(0);

    /// <summary>The held task's id, as <see cref="PoolWorkerInfo.CurrentTaskId"/> shows it.</summary>
    public long RunningId { get; private set; }

    /// <summary>The pid of the pool's one worker, which runs the held task.</summary>
    public int WorkerPid { get; private set; }

    /// <summary>
    /// Starts the pool and its held task; returns once the task runs, which the pool's snapshot shows at once (its
    /// worker claimed it before it ran it, whether or not the pool has read its "ready" yet).
    /// </summary>
    public static Task<HeldWorkerPool> Start()
    {
        var held = new HeldWorkerPool();
        try
        {
            held.Running = held.Pool.Submit(HoldUntilReleased, held.started, held.release);
            held.started.WaitOrFail("the held task");
            PoolWorkerInfo worker = Assert.Single(held.Pool.GetWorkers());
            Assert.Equal(PoolWorkerState.Busy, worker.State);
            (held.RunningId, held.WorkerPid) = (worker.CurrentTaskId!.Value, worker.Pid!.Value);
            return Task.FromResult(held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>Submits a task that waits behind the held one; it returns <paramref name="value"/> and sets <c>Ran</c> if it ever runs.</summary>
    /// <returns>The task, its id (the one id <see cref="ProcessPool.GetQueuedTaskIds"/> gained), and the event it sets when it runs.</returns>
    public (Task<int> Task, long Id, SharedEvent Ran) Queue(int value)
    {
        var ran = SharedEvent.Create();
        ranEvents.Add(ran);
        IReadOnlyList<long> before = Pool.GetQueuedTaskIds();
        Task<int> task = Pool.Submit(SetAndReturn, ran, value);
        long id = Assert.Single(Pool.GetQueuedTaskIds().Except(before));
        return (task, id, ran);
    }

    /// <summary>Lets the held task return.</summary>
    public void Release() => release.Set();

    public void Dispose()
    {
        release.Set();
        Pool.Dispose();
        foreach (SharedEvent ev in ranEvents)
        {
            ev.Dispose();
        }

        started.Dispose();
        release.Dispose();
    }

    /// <summary>The held task: says it started, runs until released, returns 1.</summary>
    internal static int HoldUntilReleased(SharedEvent started, SharedEvent release)
    {
        started.Set();
        release.Wait();
        return 1;
    }

    /// <summary>A task that waits: says it ran, returns <paramref name="value"/>.</summary>
    internal static int SetAndReturn(SharedEvent ran, int value)
    {
        ran.Set();
        return value;
    }
}
