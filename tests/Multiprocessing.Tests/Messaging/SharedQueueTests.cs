using System.Buffers;
using System.Security.Cryptography;
using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>SharedQueue: many producers and consumers in several processes.</summary>
public sealed class SharedQueueTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(30);

    [Fact]
    public async Task LastTaskDoneThenPutAtOnce_EndsEveryJoin()
    {
        // Python: a join returns once every item is done, even if another item is put at once. Async joins, whose
        // registration with the async futex thread says that they sleep.
        const int joiners = 4;
        using SharedQueue<int> queue = SharedQueue.Create<int>(joinable: true);
        await using var pending = new PendingWaits(); // a join left over is cancelled before the queue is closed
        queue.Put(0);
        Assert.Equal(0, queue.Get(Within.Deadline)); // taken, not done: joins wait
        for (int round = 1; round <= WakeUpRounds.Rounds; round++)
        {
            Task[] joins = [.. Enumerable.Range(0, joiners).Select(_ => pending.Add(queue.JoinAsync(Within.Deadline, pending.Token).AsTask()))];
            Assert.True(SpinWait.SpinUntil(() => queue.AsyncJoiners == joiners, Within.Deadline), $"Round {round}: the joins did not all sleep.");

            queue.TaskDone(); // every item is done
            queue.Put(round); // and at once another is unfinished
            Assert.Equal(round, queue.Get(Within.Deadline));

            Task all = Task.WhenAll(joins);
            Assert.True(await Task.WhenAny(all, Task.Delay(Within.Deadline)) == all, $"Round {round}: not every join ended.");
            await all;
        }

        queue.TaskDone();
        await queue.JoinAsync(Within.Deadline);
    }

    [Fact]
    public void AMillionMessages_FromThreeProducerProcesses_ArriveExactlyOnce()
    {
        // MULTIPROCESSING_STRESS=1 makes it ten million.
        int total = Environment.GetEnvironmentVariable("MULTIPROCESSING_STRESS") == "1" ? 10_000_000 : 1_000_000;
        const int producers = 3;
        int each = total / producers;
        using SharedQueue<long> queue = SharedQueue.Create<long>(capacity: 64 * 1024);
        using var children = new ChildGroup();
        for (int p = 0; p < producers; p++)
        {
            children.Add(ChildProcess.Start(static (SharedQueue<long> q, int first, int count) =>
            {
                for (int i = 0; i < count; i++)
                {
                    q.Put(first + i);
                }
            }, queue, p * each, each));
        }

        var seen = new bool[producers * each];
        long sum = 0;
        var lastOf = new long[producers];
        Array.Fill(lastOf, -1);
        for (int i = 0; i < seen.Length; i++)
        {
            long v = queue.Get(Within.Deadline);
            Assert.False(seen[v], $"{v} arrived twice");
            seen[v] = true;
            sum += v;
            int producer = (int)(v / each);
            Assert.True(v > lastOf[producer], "one producer's items arrive in its order");
            lastOf[producer] = v;
        }

        long n = seen.Length;
        Assert.Equal(n * (n - 1) / 2, sum);
        Assert.False(queue.TryGet(out _, Short));
        foreach (ChildProcess child in children.All)
        {
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }
    }

    [Fact]
    public void A100MegabyteItem_ArrivesWhole()
    {
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 1 << 20);
        using ChildProcess<string> child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            byte[] big = new byte[100_000_000];
            new Random(11).NextBytes(big);
            q.Put(big);
            return Convert.ToHexString(SHA256.HashData(big));
        }, queue);

        byte[] got = queue.Get(Within.Deadline);
        Assert.Equal(100_000_000, got.Length);
        Assert.Equal(child.ResultOrFail(), Convert.ToHexString(SHA256.HashData(got)));
    }

    [Fact]
    public async Task GetInto_CopiesEachItemIntoTheCallersBuffer_WholeOrWithBufferTooShort()
    {
        // 64 KiB ring: the 100 000-byte item travels in fragments and is reassembled before the copy.
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 64 * 1024);
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            q.Put([1, 2, 3]);
            q.Put(null!);
            q.Put(Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray());
            q.Put(new byte[10]);
            q.Put([9, 8]);
        }, queue);

        byte[] buffer = new byte[100_000];
        Assert.Equal(3, queue.GetInto(buffer, Within.Deadline));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
        Assert.Equal(-1, queue.GetInto(buffer, Within.Deadline));
        Assert.Equal(100_000, queue.GetInto(buffer, Within.Deadline));
        Assert.True(buffer.Select((b, i) => b == (byte)i).All(ok => ok), "the fragmented item arrives whole");

        var tooShort = Assert.Throws<BufferTooShortException>(() => queue.GetInto(new byte[4], Within.Deadline));
        Assert.Equal(10, tooShort.Received.Length);
        Assert.Equal(2, await queue.GetIntoAsync(buffer, Within.Deadline));
        Assert.Equal(new byte[] { 9, 8 }, buffer[..2]);
        Assert.Throws<TimeoutException>(() => queue.GetInto(buffer, Short));
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task GetLease_HandsEachItemInAPooledArray_ExactlyItsLength_UntilDisposed()
    {
        // 64 KiB ring: the 100 000-byte item travels in fragments and is reassembled before the copy.
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 64 * 1024);
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            q.Put([1, 2, 3]);
            q.Put(null!);
            q.Put(Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray());
            q.Put([]);
            q.Put([9, 8]);
        }, queue);

        IMemoryOwner<byte>? small = queue.GetLease(Within.Deadline);
        Assert.NotNull(small);
        Assert.Equal(new byte[] { 1, 2, 3 }, small.Memory.ToArray()); // exactly the item, not the rented array's length
        Assert.Null(queue.GetLease(Within.Deadline));
        using (IMemoryOwner<byte>? large = queue.GetLease(Within.Deadline))
        {
            Assert.NotNull(large);
            Assert.Equal(100_000, large.Memory.Length);
            Assert.True(large.Memory.ToArray().Select((b, i) => b == (byte)i).All(ok => ok), "the fragmented item arrives whole");
        }

        small.Dispose();
        Assert.Throws<ObjectDisposedException>(() => small.Memory);
        small.Dispose(); // a second dispose returns nothing twice to the pool

        using IMemoryOwner<byte>? empty = await queue.GetLeaseAsync(Within.Deadline);
        Assert.NotNull(empty);
        Assert.Equal(0, empty.Memory.Length);
        using IMemoryOwner<byte>? last = await queue.GetLeaseAsync(Within.Deadline);
        Assert.Equal(new byte[] { 9, 8 }, last!.Memory.ToArray());
        Assert.Throws<TimeoutException>(() => queue.GetLease(Short));
        await Assert.ThrowsAsync<TimeoutException>(async () => await queue.GetLeaseAsync(Short));
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void GetLease_OfAnItemThatIsNotAByteArray_ThrowsInvalidData_AndConsumesIt()
    {
        string name = $"mpq-lease-{Guid.NewGuid():N}";
        using SharedQueue<byte[]> bytes = SharedQueue.Create<byte[]>(name: name);
        using (SharedQueue<string> strings = SharedQueue.Open<string>(name))
        {
            strings.Put("not bytes");
        }

        bytes.Put([7]);
        Assert.Throws<InvalidDataException>(() => bytes.GetLease(Within.Deadline));
        using IMemoryOwner<byte>? next = bytes.GetLease(Within.Deadline);
        Assert.Equal(new byte[] { 7 }, next!.Memory.ToArray());
    }

    [Fact]
    public async Task ProducerKilledMidPut_LeavesNoPartialItem_AndTheQueueWorksOn()
    {
        const int capacity = 64 * 1024;
        // Without overflow, so that the put blocks in the ring (with it, the item would go whole to an overflow file).
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: capacity, overflow: false);
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            q.Put(new byte[1_000_000]); // Larger than the ring: blocks part-way, the ring full of its parts.
        }, queue);

        Handoff.Until(() => queue.PendingBytes >= capacity / 2, "the producer has filled the ring with part of its item", child);
        child.Kill();
        child.JoinOrFail();

        // Another producer: its item must be the next one, whole, the partial one dropped. The ring is full of the
        // dead producer's parts, so its put waits until the consumer below skips them.
        Task put = Task.Run(() => queue.Put([1, 2, 3], Within.Deadline));
        Assert.Equal([1, 2, 3], queue.Get(Within.Deadline));
        await put.WaitAsync(Within.Deadline);
        Assert.False(queue.TryGet(out _, Short));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task ProducerKilledMidPut_WhileAConsumerWaitsForTheRest_ConsumerGetsTheNextWholeItem()
    {
        const int capacity = 64 * 1024;
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: capacity, overflow: false);
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q) => q.Put(new byte[1_000_000]), queue);

        // The producer fills the ring with parts of its item and blocks; stopped, it cannot go on when room frees.
        Handoff.Until(() => queue.PendingBytes >= capacity / 2, "the producer has filled the ring with part of its item", child);
        child.SendSignal((System.Runtime.InteropServices.PosixSignal)19); // SIGSTOP
        Task<byte[]> consumer = Task.Run(() => queue.Get(Within.Deadline));
        Handoff.Until(() => queue.PendingBytes == 0, "the consumer has taken every part there is and waits for the rest");
        child.Kill();
        child.JoinOrFail();
        queue.Put([7]);

        Assert.Equal([7], await consumer.WaitAsync(Within.Deadline));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void JoiningAChild_BeforeItsItemsAreTaken_DoesNotDeadlock()
    {
        using SharedQueue<string> queue = SharedQueue.Create<string>();
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<string> q) =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                q.Put($"item {i}");
            }
        }, queue);

        child.JoinOrFail(); // CPython deadlocks here: its child waits for its feeder thread to flush into a full pipe.
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(10_000, queue.Count);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal($"item {i}", queue.Get(TimeSpan.Zero));
        }
    }

    [Fact]
    public void BoundedByItems_TryPutFails_PutTimesOut_WhenFull()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>(maxSize: 2);
        Assert.True(queue.TryPut(1));
        Assert.True(queue.TryPut(2));
        Assert.True(queue.IsFull);
        Assert.False(queue.TryPut(3));
        Assert.Throws<TimeoutException>(() => queue.Put(3, Short));
        Assert.Equal(1, queue.Get());
        Assert.True(queue.TryPut(3));
        Assert.Equal([2, 3], [queue.Get(), queue.Get()]);
    }

    [Fact]
    public void BoundedByItems_APutWaitingForRoom_IsReleasedByAGetInAChild()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>(maxSize: 1);
        queue.Put(1);
        using ChildProcess<int> child = ChildProcess.Start(static (SharedQueue<int> q) => q.Get(Within.Deadline) + q.Get(Within.Deadline), queue);
        queue.Put(2, Within.Deadline); // waits until the child took the first
        Assert.Equal(3, child.ResultOrFail());
    }

    [Fact]
    public void Get_OnAnEmptyQueue_TimesOut()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        Assert.Throws<TimeoutException>(() => queue.Get(Short));
        Assert.False(queue.TryGet(out int _));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void AnItemThatCannotBeEncoded_FailsInTheCaller_AndNothingIsQueued()
    {
        using SharedQueue<object> queue = SharedQueue.Create<object>();
        ArgumentException e = Assert.Throws<ArgumentException>(() => queue.Put(new MemoryStream()));
        Assert.Contains("MemoryStream", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, queue.Count);
        queue.Put(5);
        Assert.Equal(5, Convert.ToInt32(queue.Get(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CompleteAdding_EndsTheConsumersLoop_AfterTheLastItem()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<int> q) =>
        {
            for (int i = 0; i < 100; i++)
            {
                q.Put(i);
            }

            q.CompleteAdding();
        }, queue);

        var got = new List<int>();
        await foreach (int item in queue.ReadAllAsync())
        {
            got.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, 100), got);
        Assert.True(queue.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => queue.Put(1));
        Assert.Throws<InvalidOperationException>(() => queue.Get(Short));
        Assert.Empty(queue.GetConsumingEnumerable());
        child.JoinOrFail();
    }

    [Fact]
    public void TwoConsumerProcesses_ShareTheItems_EachTakenOnce()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        using var children = new ChildGroup();
        for (int c = 0; c < 2; c++)
        {
            children.Add(ChildProcess.Start(static (SharedQueue<int> q) => q.GetConsumingEnumerable().Select(x => (long)x).Sum(), queue));
        }

        for (int i = 1; i <= 10_000; i++)
        {
            queue.Put(i);
        }

        queue.CompleteAdding();
        long total = children.All.Sum(c => ((ChildProcess<long>)c).ResultOrFail());
        Assert.Equal(10_000L * 10_001 / 2, total);
    }

    [Fact]
    public void Joinable_JoinReturnsOnceAChildMarkedEveryItemDone()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>(joinable: true);
        for (int i = 0; i < 10; i++)
        {
            queue.Put(i);
        }

        Assert.Throws<TimeoutException>(() => queue.Join(Short)); // nothing is done yet
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<int> q) =>
        {
            for (int i = 0; i < 10; i++)
            {
                q.Get(Within.Deadline);
                q.TaskDone();
            }
        }, queue);

        queue.Join(Within.Deadline);
        child.JoinOrFail();
        Assert.Throws<InvalidOperationException>(queue.TaskDone);
    }

    [Fact]
    public async Task Joinable_JoinAsync_AndNotJoinable_Refuses()
    {
        using SharedQueue<int> joinable = SharedQueue.Create<int>(joinable: true);
        await joinable.JoinAsync(Short); // nothing put: returns at once
        joinable.Put(1);
        Task join = joinable.JoinAsync(Within.Deadline).AsTask();
        Assert.False(join.IsCompleted);
        joinable.Get();
        joinable.TaskDone();
        await join;

        using SharedQueue<int> plain = SharedQueue.Create<int>();
        Assert.Throws<InvalidOperationException>(plain.TaskDone);
        Assert.Throws<InvalidOperationException>(() => plain.Join());
    }

    [Fact]
    public async Task AsyncTwins_PutAndGet_WithCancellation()
    {
        using SharedQueue<string> queue = SharedQueue.Create<string>(maxSize: 1);
        using var cts = new CancellationTokenSource();
        ValueTask<string> waiting = queue.GetAsync(cancellationToken: cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);

        await queue.PutAsync("a");
        using var cts2 = new CancellationTokenSource();
        ValueTask blocked = queue.PutAsync("b", cancellationToken: cts2.Token);
        Assert.False(blocked.IsCompleted);
        cts2.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);

        Assert.Equal("a", await queue.GetAsync(Within.Deadline));
        Assert.True(queue.IsEmpty); // the cancelled put left nothing
    }
}
