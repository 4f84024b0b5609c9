using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Orleans;

/// <summary>How a <see cref="ClusterPool"/>'s lanes send their calls: several in flight each, and a cancelled map's running chunk stopped between items.</summary>
[Collection(SharedLocalCluster.Name)]
public sealed class ClusterPoolLaneTests(LocalClusterFixture cluster)
{
    /// <summary>Each item's time on the silo in the chunk-cancellation tests.</summary>
    private const int ItemMs = 50;

    /// <summary>Items in that chunk: 10 s of work at <see cref="ItemMs"/> each.</summary>
    private const int ChunkItems = 200;

    [Fact]
    public async Task ALane_KeepsSeveralCallsInFlight()
    {
        // One lane: its two tasks meet only if the lane sent the second before the first was answered.
        await using ClusterPool pool = cluster.Connect(new ClusterPoolOptions { WorkerCount = 1, CallsPerLane = 2 });
        using SharedValue<int> arrived = SharedValue.Create(0);

        Task<bool>[] tasks = [.. Enumerable.Range(0, 2).Select(_ => pool.Submit(MeetTheOther, arrived))];

        bool[] met = await Task.WhenAll(tasks).WaitAsync(Within.Deadline * 2);
        Assert.All(met, Assert.True);
        Assert.Equal(2, pool.Counters.Completed);
    }

    [Fact]
    public void CallsPerLane_OutOfRange_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.Connect(new ClusterPoolOptions { CallsPerLane = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.Connect(new ClusterPoolOptions { CallsPerLane = 1025 }));
    }

    [Theory]
    [InlineData(false)] // ints: the chunk loop compiled for scalars
    [InlineData(true)] // strings: the general chunk loop
    public async Task ARunningChunk_StopsBetweenItems_OnceItsMapIsCancelled(bool strings)
    {
        await using ClusterPool pool = cluster.Connect(new ClusterPoolOptions { WorkerCount = 1 });
        using SharedValue<int> ran = SharedValue.Create(0);
        using var cts = new CancellationTokenSource();
        IEnumerable<int> items = Enumerable.Range(0, ChunkItems);
        Task map = strings
            ? pool.MapAsync(SlowString(ran), items.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), chunkSize: ChunkItems, cancellationToken: cts.Token)
            : pool.MapAsync(SlowInt(ran), items, chunkSize: ChunkItems, cancellationToken: cts.Token);

        Assert.True(SpinWait.SpinUntil(() => ran.Value >= 2, Within.Deadline), "The chunk ran no item.");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Within.Deadline));
        int atCancel = ran.Value;

        // Without the stop, the chunk runs on to its last item; with it, the count stands still at once. Stopped:
        // no item for 3 s (60 items' time), or all of them run, whichever first, within the deadline.
        int last = -1;
        var still = System.Diagnostics.Stopwatch.StartNew();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ran.Value < ChunkItems && still.Elapsed < TimeSpan.FromSeconds(3) && clock.Elapsed < Within.Deadline)
        {
            if (ran.Value != last)
            {
                last = ran.Value;
                still.Restart();
            }

            Thread.Sleep(50);
        }

        Assert.True(ran.Value < ChunkItems, $"The cancelled chunk ran {ran.Value} of its {ChunkItems} items ({atCancel} when its map was cancelled).");
    }

    /// <summary>Counts itself in, then waits (at most the deadline) for a second task to count itself in too; true if it did.</summary>
    private static bool MeetTheOther(SharedValue<int> arrived)
    {
        arrived.Add(1);
        return SpinWait.SpinUntil(() => arrived.Value >= 2, Within.Deadline);
    }

    private static Func<int, int> SlowInt(SharedValue<int> ran) => x =>
    {
        ran.Add(1);
        Thread.Sleep(ItemMs);
        return x;
    };

    private static Func<string, string> SlowString(SharedValue<int> ran) => x =>
    {
        ran.Add(1);
        Thread.Sleep(ItemMs);
        return x;
    };
}
