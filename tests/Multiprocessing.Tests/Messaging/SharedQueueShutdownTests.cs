using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>SharedQueue.Shutdown (Python 3.13's <c>Queue.shutdown</c>): its state is in shared memory, so it holds in every process.</summary>
public sealed class SharedQueueShutdownTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(30);

    [Fact]
    public void AChildBlockedInGet_WakesWithQueueShutDownException()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        using ChildProcess<string> child = ChildProcess.Start(static (SharedQueue<int> q) => Outcome(() => q.Get(Within.Deadline)), queue);
        Assert.True(SpinWait.SpinUntil(() => queue.SleepingGetters == 1 || !child.IsAlive, Within.Deadline), "The child's get did not sleep.");
        Assert.True(child.IsAlive, $"The child ended before the shutdown: {child.Exception}");

        queue.Shutdown();

        Assert.Equal(nameof(QueueShutDownException), child.ResultOrFail());
    }

    [Fact]
    public void NotImmediate_ItemsPutBefore_AreStillTakenInAChild_ThenGetsFail()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        for (int i = 1; i <= 3; i++)
        {
            queue.Put(i);
        }

        queue.Shutdown();
        Assert.True(queue.IsShutDown);
        Assert.Throws<QueueShutDownException>(() => queue.Put(4));
        Assert.Throws<QueueShutDownException>(() => queue.TryPut(4));

        using ChildProcess<string> child = ChildProcess.Start(static (SharedQueue<int> q) =>
        {
            var got = new List<string>();
            while (true)
            {
                try
                {
                    got.Add(q.Get(Within.Deadline).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (Exception e)
                {
                    got.Add(e.GetType().Name);
                    return $"{q.IsShutDown} {string.Join(',', got)}";
                }
            }
        }, queue);

        Assert.Equal($"True 1,2,3,{nameof(QueueShutDownException)}", child.ResultOrFail());
        Assert.Throws<QueueShutDownException>(() => queue.Get(Short));
        Assert.False(queue.TryGet(out _));
    }

    [Fact]
    public void Immediate_DropsTheItems_GetsFailAtOnceInAChild_AndJoinCountsThemDone()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>(joinable: true);
        for (int i = 0; i < 5; i++)
        {
            queue.Put(i);
        }

        Assert.Equal(0, queue.Get(Within.Deadline)); // taken, not done

        queue.Shutdown(immediate: true);

        Assert.Equal(0, queue.Count);
        Assert.Throws<QueueShutDownException>(() => queue.Get(Within.Deadline)); // at once, not after the deadline
        using (ChildProcess<string> child = ChildProcess.Start(static (SharedQueue<int> q) => Outcome(() => q.Get(Within.Deadline)), queue))
        {
            Assert.Equal(nameof(QueueShutDownException), child.ResultOrFail());
        }

        Assert.Throws<TimeoutException>(() => queue.Join(Short)); // the item taken before is not done
        queue.TaskDone();
        queue.Join(Within.Deadline);
        Assert.Throws<InvalidOperationException>(queue.TaskDone); // the dropped items were counted done
    }

    [Fact]
    public void AChildBlockedInPut_WakesWithQueueShutDownException()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>(maxSize: 1);
        queue.Put(1);
        using ChildProcess<string> child = ChildProcess.Start(static (SharedQueue<int> q) => Outcome(() => q.Put(2, Within.Deadline)), queue);
        Assert.True(SpinWait.SpinUntil(() => queue.SleepingPutters == 1 || !child.IsAlive, Within.Deadline), "The child's put did not sleep.");
        Assert.True(child.IsAlive, $"The child ended before the shutdown: {child.Exception}");

        queue.Shutdown();

        Assert.Equal(nameof(QueueShutDownException), child.ResultOrFail());
        Assert.Equal(1, queue.Get(Within.Deadline)); // the item put before is still there
        Assert.Throws<QueueShutDownException>(() => queue.Get(Within.Deadline));
    }

    [Fact]
    public async Task AShutdownInAChild_WakesTheParentsAsyncGet_AndFailsItsPuts()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        await using var pending = new PendingWaits();
        Task<int> get = pending.Add(queue.GetAsync(Within.Deadline, pending.Token).AsTask());
        Assert.True(SpinWait.SpinUntil(() => queue.SleepingGetters == 1 || get.IsCompleted, Within.Deadline), "The async get did not sleep.");

        using (ChildProcess child = ChildProcess.Start(static (SharedQueue<int> q) => q.Shutdown(), queue))
        {
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }

        await Assert.ThrowsAsync<QueueShutDownException>(() => get.WaitAsync(Within.Deadline));
        Assert.True(queue.IsShutDown);
        Assert.True(queue.IsAddingCompleted);
        await Assert.ThrowsAsync<QueueShutDownException>(async () => await queue.PutAsync(1));
    }

    [Fact]
    public void CompleteAddingAfterAShutdown_DoesNotUndoIt_AndEnumerationsEndQuietly()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        queue.Put(1);
        queue.Put(2);
        queue.Shutdown();
        queue.CompleteAdding();
        queue.Shutdown(); // twice: no harm

        Assert.True(queue.IsShutDown);
        Assert.Throws<QueueShutDownException>(() => queue.Put(3));
        Assert.Equal([1, 2], queue.GetConsumingEnumerable());

        using SharedQueue<int> completed = SharedQueue.Create<int>();
        completed.CompleteAdding();
        Assert.False(completed.IsShutDown);
        InvalidOperationException notShutDown = Assert.Throws<InvalidOperationException>(() => completed.Put(1));
        Assert.IsNotType<QueueShutDownException>(notShutDown);
        completed.Shutdown(immediate: true); // a completed queue can still be shut down
        Assert.Throws<QueueShutDownException>(() => completed.Put(1));
    }

    [Fact]
    public async Task PutAsync_AfterCompleteAddingOrShutdown_FailsAndQueuesNothing_EvenWithRoom()
    {
        // Before: PutAsync's fast path wrote through the ring's TryWriteNow, which does not look at the completion.
        using SharedQueue<int> completed = SharedQueue.Create<int>();
        completed.CompleteAdding();
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await completed.PutAsync(1));
        Assert.IsNotType<QueueShutDownException>(e);
        Assert.Equal(0, completed.Count);

        using SharedQueue<int> shutDown = SharedQueue.Create<int>();
        shutDown.Shutdown();
        await Assert.ThrowsAsync<QueueShutDownException>(async () => await shutDown.PutAsync(1));
        Assert.Equal(0, shutDown.Count);
    }

    [Fact]
    public void Shutdown_AfterDispose_Throws()
    {
        SharedQueue<int> queue = SharedQueue.Create<int>();
        queue.Dispose();
        Assert.Throws<ObjectDisposedException>(() => queue.Shutdown());
        Assert.Throws<ObjectDisposedException>(() => queue.IsShutDown);
    }

    private static string Outcome(Action action)
    {
        try
        {
            action();
            return "returned";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }
}
