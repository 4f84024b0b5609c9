using System.Security.Cryptography;
using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>SharedQueue overflow: a queue is not bounded by its ring's bytes; items nobody reads yet go to files.</summary>
public sealed class SharedQueueOverflowTests
{
    private const int SmallRing = 64 * 1024;
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(30);
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    /// <summary>Item <paramref name="index"/> of producer <paramref name="producer"/>: its numbers, then bytes that depend on them, so that a partial or mixed-up item is seen.</summary>
    private static byte[] MakeItem(int producer, int index, int length)
    {
        byte[] item = new byte[length];
        BitConverter.TryWriteBytes(item.AsSpan(0, 4), producer);
        BitConverter.TryWriteBytes(item.AsSpan(4, 4), index);
        for (int i = 8; i < length; i++)
        {
            item[i] = (byte)((i * 31) + (index * 7) + producer);
        }

        return item;
    }

    private static (int Producer, int Index) CheckItem(byte[] item, int length)
    {
        Assert.Equal(length, item.Length);
        int producer = BitConverter.ToInt32(item, 0);
        int index = BitConverter.ToInt32(item, 4);
        Assert.True(item.AsSpan().SequenceEqual(MakeItem(producer, index, length)), $"item {index} of producer {producer} arrives intact");
        return (producer, index);
    }

    [Fact]
    public void AChildPuts20MegabytesIntoA64KiBQueue_IsJoinedFirst_ThenEveryItemArrivesInOrder()
    {
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: SmallRing);
        using ChildProcess<string> child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (int i = 0; i < 2000; i++)
            {
                byte[] item = MakeItem(0, i, 10 * 1024);
                sha.AppendData(item);
                q.Put(item);
            }

            byte[] big = new byte[12 << 20];
            new Random(5).NextBytes(big);
            sha.AppendData(big);
            q.Put(big);
            return Convert.ToHexString(sha.GetHashAndReset());
        }, queue);

        // Nobody reads until the child has exited: its puts must not wait for a reader.
        Assert.True(child.Join(Generous), $"{child} did not exit within {Generous}: its puts blocked on the full queue.");
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(2001, queue.Count);
        Assert.True(queue.OverflowedCount > 0, "items went to the overflow chain");

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < 2000; i++)
        {
            byte[] item = queue.Get(TimeSpan.Zero);
            Assert.Equal((0, i), CheckItem(item, 10 * 1024));
            hash.AppendData(item);
        }

        byte[] got = queue.Get(TimeSpan.Zero);
        Assert.Equal(12 << 20, got.Length);
        hash.AppendData(got);
        Assert.Equal(child.Result, Convert.ToHexString(hash.GetHashAndReset()));
        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryGet(out _, Short));
        Assert.Empty(OverflowFiles(queue));
    }

    [Fact]
    public async Task TwoProducerProcessesOverflowingAtOnce_OneConsumer_ExactlyOnceInEachProducersOrder()
    {
        const int each = 3000;
        const int length = 1000;
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: SmallRing);
        using var children = new ChildGroup();
        for (int p = 0; p < 2; p++)
        {
            children.Add(ChildProcess.Start(static (SharedQueue<byte[]> q, int producer) =>
            {
                for (int i = 0; i < each; i++)
                {
                    q.Put(MakeItem(producer, i, length));
                }
            }, queue, p));
        }

        // Far more than the ring holds (about 60 items): the producers have overflowed. Then the consumer reads
        // while they go on putting, so that ring, chain and the markers between them all take part.
        Handoff.Until(() => queue.Count >= 1000, "the producers have put more than the ring holds", [.. children.All]);
        var next = new int[2];
        for (int n = 0; n < 2 * each; n++)
        {
            byte[] item = n % 2 == 0 ? queue.Get(Within.Deadline) : await queue.GetAsync(Within.Deadline);
            (int producer, int index) = CheckItem(item, length);
            Assert.Equal(next[producer], index);
            next[producer]++;
        }

        Assert.Equal([each, each], next);
        Assert.True(queue.OverflowedCount > 0, "items went to the overflow chain");
        Assert.False(queue.TryGet(out _, Short));
        children.JoinAllSucceeded();
        Assert.Empty(OverflowFiles(queue));
    }

    [Fact]
    public void WithoutOverflow_APutPastTheCapacity_TimesOut()
    {
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 4096, overflow: false);
        Assert.False(queue.Overflows);
        int put = 0;
        while (queue.TryPut(new byte[512]))
        {
            put++;
        }

        Assert.InRange(put, 1, 8);
        Assert.Throws<TimeoutException>(() => queue.Put(new byte[512], Short));
        Assert.Equal(put, queue.Count);
        Assert.Equal(0, queue.OverflowedCount);
        Assert.Empty(OverflowFiles(queue));
    }

    [Fact]
    public async Task WithOverflow_PutsPastTheCapacityReturn_EvenWithoutWaiting_AndKeepTheirOrder()
    {
        using SharedQueue<int[]> queue = SharedQueue.Create<int[]>(capacity: 4096);
        Assert.True(queue.Overflows);
        for (int i = 0; i < 300; i++)
        {
            Assert.True(queue.TryPut([i, .. new int[100]])); // put_nowait: never "full" for want of bytes
            if (i % 3 == 0)
            {
                await queue.PutAsync([-i]);
            }
        }

        Assert.True(queue.OverflowedCount > 0);
        Assert.Equal(400, queue.Count);
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(i, (await queue.GetAsync(TimeSpan.Zero))[0]);
            if (i % 3 == 0)
            {
                Assert.Equal([-i], queue.Get(TimeSpan.Zero));
            }
        }

        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void ADamagedOverflowFile_FailsOneGet_AndTheQueueGoesOnWithTheNextItem()
    {
        using SharedQueue<int[]> queue = SharedQueue.Create<int[]>(capacity: 4096);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(queue.TryPut([i, .. new int[100]]));
        }

        string[] files = OverflowFiles(queue);
        Assert.NotEmpty(files);
        string first = files.OrderBy(f => long.Parse(f[queue.OverflowPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture)).First();
        File.WriteAllBytes(first, [1, 2, 3]); // shorter than its length field: damaged from outside

        var got = new List<int>();
        int failures = 0;
        for (int attempt = 0; attempt < 200 && !queue.IsEmpty; attempt++)
        {
            try
            {
                got.Add(queue.Get(TimeSpan.Zero)[0]);
            }
            catch (InvalidDataException)
            {
                failures++;
            }
        }

        Assert.Equal(1, failures);
        Assert.Equal(99, got.Count);
        Assert.True(got.SequenceEqual(got.Order()), "the others keep their order");
        Assert.Empty(OverflowFiles(queue));
    }

    [Fact]
    public void BoundedByItems_WithOverflow_APutStillWaitsForAnItemSlot()
    {
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(maxSize: 3, capacity: 4096);
        for (int i = 0; i < 3; i++)
        {
            queue.Put(new byte[3000]); // more bytes than the ring: some overflow
        }

        Assert.True(queue.IsFull);
        Assert.Throws<TimeoutException>(() => queue.Put(new byte[10], Short));
        Assert.Equal(3000, queue.Get(TimeSpan.Zero).Length);
        queue.Put(new byte[10], Short);
        Assert.Equal([3000, 3000, 10], [queue.Get(TimeSpan.Zero).Length, queue.Get(TimeSpan.Zero).Length, queue.Get(TimeSpan.Zero).Length]);
    }

    [Fact]
    public void TheLastCloseOfTheQueue_RemovesItsOverflowFiles_ReadOrNot()
    {
        SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 4096);
        string prefix = queue.OverflowPrefix;
        Assert.StartsWith(ShmFiles.PathOf(queue.Name), prefix, StringComparison.Ordinal);
        using (ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            for (int i = 0; i < 200; i++)
            {
                q.Put(MakeItem(0, i, 1000));
            }
        }, queue))
        {
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }

        int files = OverflowFiles(queue).Length;
        Assert.InRange(files, 1, 200);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal((0, i), CheckItem(queue.Get(TimeSpan.Zero), 1000));
        }

        Assert.True(OverflowFiles(queue).Length < files, "files are removed as their items are taken");

        // An orphan: what a producer killed after writing its file, before publishing it, leaves behind.
        string orphan = prefix + "999999";
        File.WriteAllBytes(orphan, [1, 2, 3]);
        queue.Dispose();
        Assert.DoesNotContain(ShmFiles.List(), f => f.StartsWith(prefix, StringComparison.Ordinal));
        Assert.False(File.Exists(ShmFiles.PathOf(queue.Name)));
    }

    [Fact]
    public void AProducerKilledWhileTheChainHoldsItems_LeavesNoPartialItem_AndTheQueueWorksOn()
    {
        const int length = 5000;
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 16 * 1024);
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q) =>
        {
            for (int i = 0; ; i++)
            {
                q.Put(MakeItem(0, i, length));
            }
        }, queue);

        Handoff.Until(() => queue.OverflowedCount >= 50, "the producer has overflowed", child);
        child.Kill();
        child.JoinOrFail();

        // After the kill, this process's puts go to the chain too (it still holds the dead producer's items).
        queue.Put(MakeItem(1, 0, length));
        queue.Put(MakeItem(1, 1, length));
        int count = queue.Count;
        Assert.True(count >= 52, $"{count} items");
        for (int i = 0; i < count - 2; i++)
        {
            Assert.Equal((0, i), CheckItem(queue.Get(TimeSpan.Zero), length));
        }

        Assert.Equal((1, 0), CheckItem(queue.Get(TimeSpan.Zero), length));
        Assert.Equal((1, 1), CheckItem(queue.Get(TimeSpan.Zero), length));
        Assert.False(queue.TryGet(out _, Short));

        // The ring works on.
        queue.Put(MakeItem(2, 0, 100));
        Assert.Equal((2, 0), CheckItem(queue.Get(TimeSpan.Zero), 100));
    }

    [Fact]
    public void AConsumerKilledWhileTakingOverflowedItems_LosesAtMostTheOneInItsHands_AndNoneArrivesPartial()
    {
        const int count = 100;
        const int length = 256 * 1024;
        using SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>(capacity: 4096);
        for (int i = 0; i < count; i++)
        {
            queue.Put(MakeItem(0, i, length)); // nobody reads: they overflow
        }

        Assert.True(queue.OverflowedCount >= count - 1);
        using var taken = SharedValue.Create(0);
        using ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q, SharedValue<int> done) =>
        {
            while (true)
            {
                (int _, int index) = CheckItem(q.Get(Within.Deadline), length);
                Volatile.Write(ref done.Value, index + 1);
            }
        }, queue, taken);

        // Killed at some point while it reads the chain (possibly holding the read lock, part-way through a file).
        Handoff.Until(() => Volatile.Read(ref taken.Value) >= 10, "the consumer has taken some items", child);
        child.Kill();
        child.JoinOrFail();

        // The item it may have taken without saying so is the only one that may be missing; the next consumer
        // takes over the read lock and reads on, in order, every item whole.
        int first = Volatile.Read(ref taken.Value);
        (int _, int next) = CheckItem(queue.Get(Within.Deadline), length);
        Assert.InRange(next, first, first + 1);
        while (++next < count)
        {
            Assert.Equal((0, next), CheckItem(queue.Get(TimeSpan.Zero), length));
        }

        Assert.False(queue.TryGet(out _, Short));
    }

    private static string[] OverflowFiles<T>(SharedQueue<T> queue) =>
        [.. ShmFiles.List().Where(f => f.StartsWith(queue.OverflowPrefix, StringComparison.Ordinal))];
}
