using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// A process pool's <c>Apply</c> reads its own result off its worker's pipe, on the caller's thread, while the
/// worker's reader thread sleeps (issue #17, W3: a round trip between two threads, not three). Whoever reads, every
/// result reaches its caller: with other callers and asynchronous tasks on the same worker, when the task moves to
/// another worker, when it waits in the queue, and when the worker dies under the reading caller.
/// </summary>
public sealed class ProcessPoolOwnResultTests
{
    [Fact]
    public void SequentialApplies_AreReadByTheirOwnCallers()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal((long)i * i, pool.Apply(static (int x) => (long)x * x, i));
        }

        // The first may be read by the reader thread (it reads until it sees a caller's task in flight); after
        // that it sleeps, unless a result takes longer than a caller reads for (a loaded machine).
        Assert.True(Interlocked.Read(ref pool.ResultsReadByCallers) > 100, $"callers read {pool.ResultsReadByCallers} of 200 results");
    }

    [Fact]
    public async Task AppliesFromFourThreads_BesideAsynchronousTasks_AllGetTheirOwnResults()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2 });
        var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Task submitter = Task.Run(async () =>
        {
            for (int i = 0; i < 300; i++)
            {
                int got = await pool.Submit(static (int x) => x + 1, i);
                if (got != i + 1)
                {
                    wrong.Enqueue($"Submit({i}) gave {got}");
                }
            }
        });
        Thread[] callers = [.. Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                int x = (t * 1000) + i;
                long got = pool.Apply(static (int v) => (long)v * 3, x);
                if (got != (long)x * 3)
                {
                    wrong.Enqueue($"Apply({x}) gave {got}");
                }
            }
        }))];
        foreach (Thread t in callers)
        {
            t.Start();
        }

        foreach (Thread t in callers)
        {
            Assert.True(t.Join(Within.Deadline), "an Apply did not return");
        }

        await submitter.WaitAsync(Within.Deadline);
        Assert.Empty(wrong);
    }

    [Fact]
    public async Task AnApplyQueuedWhileEveryWorkerIsBusy_GetsItsResultFromWhicheverWorkerRunsIt()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        pool.Apply(static () => 0); // ready
        Task busy = pool.Submit(static () => Thread.Sleep(300));

        Assert.Equal(42, pool.Apply(static () => 42)); // sent behind the sleep, or queued: its caller reads, or leaves it to the reader
        await busy.WaitAsync(Within.Deadline);
        Assert.Equal(7, pool.Apply(static () => 7)); // and the reader thread, woken or not, leaves the next one to its caller
    }

    [Fact]
    public async Task AnApplyBehindALongTask_TakenByAWorkerThatFallsIdle_Completes()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2 });
        pool.Map(static (int x) => x, [1, 2], chunkSize: 1); // both ready

        // The worker whose task started later gets the Apply, behind its long task; the other falls idle first and
        // may take it (the pool's stealing): the caller reading the first worker's pipe must not wait for ever.
        Task shorter = pool.Submit(static () => Thread.Sleep(100));
        Task longer = pool.Submit(static () => Thread.Sleep(1500));
        Assert.Equal(5, pool.Apply(static () => 5));
        await shorter.WaitAsync(Within.Deadline);
        await longer.WaitAsync(Within.Deadline);
    }

    [Fact]
    public void AWorkerThatDiesUnderItsReadingCaller_FailsThatApply_AndThePoolServesTheNext()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        Assert.Equal(1, pool.Apply(static () => 1));

        Assert.Throws<ProcessDiedException>(() => pool.Apply(static () =>
        {
            Environment.Exit(3);
            return 0;
        }));
        Assert.Equal(2, pool.Apply(static () => 2)); // a new worker, read by its caller or its reader
    }
}
