using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed queue: FIFO in the manager, producers and consumers in any processes.</summary>
public sealed class QueueTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void TwoProducerChildren_TheParentGetsEveryItemOnce()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<int> q = manager.Queue<int>(maxSize: 5);

        using ChildProcess a = ChildProcess.Start(Produce, q, 0);
        using ChildProcess b = ChildProcess.Start(Produce, q, 1000);
        var got = new List<int>();
        for (int i = 0; i < 200; i++)
        {
            got.Add(q.Get(Within.Deadline));
        }

        a.JoinOrFail();
        b.JoinOrFail();
        Assert.Equal(Enumerable.Range(0, 100).Concat(Enumerable.Range(1000, 100)), got.Order());
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void FullAndEmpty_TimeOut_AndTheTryFormsSaySo()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<string> q = manager.Queue<string>(maxSize: 1);

        Assert.False(q.TryGet(out _));
        Assert.Throws<TimeoutException>(() => q.Get(Short));
        q.Put("one");
        Assert.False(q.TryPut("two", Short));
        Assert.Throws<TimeoutException>(() => q.Put("two", Short));
        Assert.Equal(1, q.Count);
        Assert.True(q.TryGet(out string? item));
        Assert.Equal("one", item);
    }

    [Fact]
    public void IsEmptyAndIsFull_AsPythonsEmptyAndFull_SeenFromAChild()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<int> bounded = manager.Queue<int>(maxSize: 2);
        using ManagedQueue<int> unbounded = manager.Queue<int>();
        using ManagedJoinableQueue<int> joinable = manager.JoinableQueue<int>(maxSize: 1);

        Assert.True(bounded.IsEmpty);
        Assert.False(bounded.IsFull);
        using (ChildProcess<(bool, bool)> child = ChildProcess.Start(static (ManagedQueue<int> q) =>
        {
            q.Put(1);
            q.Put(2);
            return (q.IsEmpty, q.IsFull);
        }, bounded))
        {
            Assert.Equal((false, true), child.ResultOrFail());
        }

        Assert.False(bounded.IsEmpty);
        Assert.True(bounded.IsFull);
        _ = bounded.Get(Within.Deadline);
        Assert.False(bounded.IsFull);

        for (int i = 0; i < 100; i++)
        {
            unbounded.Put(i);
        }

        Assert.False(unbounded.IsFull); // a queue without a maximum size is never full, as in Python
        Assert.False(unbounded.IsEmpty);

        Assert.True(joinable.IsEmpty);
        joinable.Put(7);
        Assert.True(joinable.IsFull);
        Assert.False(joinable.IsEmpty);
    }

    private static void Produce(ManagedQueue<int> q, int first)
    {
        for (int i = first; i < first + 100; i++)
        {
            q.Put(i, TimeSpan.FromSeconds(30));
        }
    }
}
