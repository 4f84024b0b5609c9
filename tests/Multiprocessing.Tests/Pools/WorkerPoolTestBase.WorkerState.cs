using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>A state built once per worker (<see cref="WorkerPool.WithWorkerState{TState}"/>, issue #12 point 3).</summary>
public abstract partial class WorkerPoolTestBase
{
    [Fact]
    public void WorkerState_IsBuiltOncePerWorker_AndKeptForItsLaterTasks_EvenWhenItCannotCrossProcesses()
    {
        using WorkerPool pool = CreatePool(2);
        using SharedValue<int> built = SharedValue.Create(0);
        WorkerStatePool<MemoryStream> view = pool.WithWorkerState(CountingStreams(built));

        // Each task writes a byte into its worker's stream and says which worker it ran on and how long the stream is.
        (long Worker, long Length)[] runs = view.Map(
            static (MemoryStream s, int x) =>
            {
                s.WriteByte((byte)x);
                return (WorkerId(), s.Length);
            },
            Enumerable.Range(0, 60),
            chunkSize: 1);
        (long Worker, long Length) one = view.Submit(static (MemoryStream s, int _) => (WorkerId(), s.Length), 0).ResultOrFail();

        int workers = runs.Select(r => r.Worker).Distinct().Count();
        Assert.Equal(workers, built.Value); // One construction per worker that ran a task, none per task.
        foreach (IGrouping<long, (long Worker, long Length)> ran in runs.GroupBy(r => r.Worker))
        {
            Assert.Equal(ran.Count(), ran.Max(r => r.Length)); // Its state kept every write of its worker.
        }

        Assert.Equal(runs.Count(r => r.Worker == one.Worker), one.Length);
        Assert.Equal(workers, built.Value);
    }

    [Fact]
    public void WorkerState_WhoseFactoryThrows_FailsTheTask_AndIsTriedAgainForTheNext()
    {
        using WorkerPool pool = CreatePool(1);
        using SharedValue<int> attempts = SharedValue.Create(0);
        WorkerStatePool<string> view = pool.WithWorkerState(FailingOnce(attempts));

        Exception? first = Record.Exception(() => view.Apply(static (string s, int x) => s.Length + x, 1));
        int second = view.Apply(static (string s, int x) => s.Length + x, 1);

        AssertTheDelegates<InvalidOperationException>(first, "first build fails");
        Assert.Equal(6, second); // "state".Length + 1
        Assert.Equal(2, attempts.Value);
    }

    private static Func<MemoryStream> CountingStreams(SharedValue<int> built) => () =>
    {
        built.Add(1);
        return new MemoryStream();
    };

    private static Func<string> FailingOnce(SharedValue<int> attempts) => () =>
        attempts.Add(1) == 1 ? throw new InvalidOperationException("first build fails") : "state";
}
