using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>Every pool: Imap and ImapUnordered, blocking and async: order, laziness, errors, early exits.</summary>
public abstract partial class WorkerPoolTestBase
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Imap_YieldsTheResultsInInputOrder(int chunkSize)
    {
        using WorkerPool pool = CreatePool(3);

        int[] results = [.. pool.Imap(static (int x) => x * x, Enumerable.Range(0, 200), chunkSize)];

        Assert.Equal(Enumerable.Range(0, 200).Select(x => x * x), results);
    }

    [Fact]
    public void Imap_ReadsTheSourceOnlyABoundedDistanceAhead()
    {
        using WorkerPool pool = CreatePool(2);
        var source = new PoolTestSupport.CountingSource(1000);
        const int ChunkSize = 3;
        const int ReadAhead = 2;

        IEnumerable<int> results = pool.Imap(static (int x) => x, source.Items(), ChunkSize, ReadAhead);
        Assert.Equal(0, source.Read); // nothing runs before the enumeration starts

        using IEnumerator<int> e = results.GetEnumerator();
        for (int taken = 1; taken <= 20; taken++)
        {
            Assert.True(e.MoveNext());
            Assert.Equal(taken - 1, e.Current);

            // The consumer holds result number `taken`; the window may hold ReadAhead chunks past the chunk it is in.
            Assert.True(
                source.Read <= taken + (ReadAhead * ChunkSize),
                $"after taking {taken} results the source was read {source.Read} items far");
        }
    }

    [Fact]
    public async Task ImapAsync_ReadsTheSourceOnlyABoundedDistanceAhead_AndYieldsInOrder()
    {
        await using WorkerPool pool = CreatePool(2);
        var source = new PoolTestSupport.CountingSource(1000);
        int taken = 0;

        await foreach (int r in pool.ImapAsync(static (int x) => x + 1, source.Items(), chunkSize: 1, readAhead: 4))
        {
            Assert.Equal(++taken, r);
            Assert.True(source.Read <= taken + 4, $"after taking {taken} results the source was read {source.Read} items far");
            if (taken == 50)
            {
                break;
            }
        }

        Assert.True(source.Read < 1000);
    }

    [Fact]
    public void ImapUnordered_YieldsResultsAsTheyEnd()
    {
        using WorkerPool pool = CreatePool(2);
        using var gate = SharedEvent.Create();

        // Item 0 waits until the consumer has received a result, so that result can only be item 1's.
        using IEnumerator<int> e = pool.ImapUnordered(HoldingAt(0, gate), [0, 1]).GetEnumerator();

        Assert.True(e.MoveNext());
        int first = e.Current;
        gate.Set();
        Assert.True(e.MoveNext());
        int second = e.Current;
        Assert.False(e.MoveNext());

        Assert.Equal((1, 0), (first, second));
    }

    [Fact]
    public async Task ImapUnorderedAsync_YieldsEveryResultExactlyOnce()
    {
        await using WorkerPool pool = CreatePool(3);
        var results = new List<int>();

        await foreach (int r in pool.ImapUnorderedAsync(static (int x) => x * 2, Enumerable.Range(0, 500), chunkSize: 7))
        {
            results.Add(r);
        }

        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * 2), results.Order());
    }

    [Fact]
    public void ImapUnordered_YieldsEveryResultExactlyOnce()
    {
        using WorkerPool pool = CreatePool(3);

        int[] results = [.. pool.ImapUnordered(static (int x) => x, Enumerable.Range(0, 300), chunkSize: 4, readAhead: 3)];

        Assert.Equal(Enumerable.Range(0, 300), results.Order());
    }

    [Fact]
    public void Imap_WhenAnItemThrows_ThrowsWhenTheEnumerationReachesIt()
    {
        using WorkerPool pool = CreatePool(2);
        var got = new List<int>();

        Exception? e = Record.Exception(() =>
        {
            foreach (int r in pool.Imap(static (int x) => x == 5 ? throw new InvalidOperationException("five") : x, Enumerable.Range(0, 20)))
            {
                got.Add(r);
            }
        });

        AssertTheDelegates<InvalidOperationException>(e, "five");
        Assert.Equal([0, 1, 2, 3, 4], got);
    }

    [Fact]
    public async Task ImapAsync_WhenAnItemThrows_ThrowsWhenTheEnumerationReachesIt()
    {
        await using WorkerPool pool = CreatePool(2);
        var got = new List<int>();

        Exception? e = await Record.ExceptionAsync(async () =>
        {
            await foreach (int r in pool.ImapAsync(static (int x) => x == 3 ? throw new ArithmeticException("three") : x, Enumerable.Range(0, 10)))
            {
                got.Add(r);
            }
        });

        AssertTheDelegates<ArithmeticException>(e, "three");
        Assert.Equal([0, 1, 2], got);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    public void Imap_WhenTheSourceThrowsAtItem3_YieldsTheFirstResultsThenThrowsItsException(bool ordered, int chunkSize)
    {
        using WorkerPool pool = CreatePool(2);
        var got = new List<int>();
        IEnumerable<int> results = ordered
            ? pool.Imap(static (int x) => x * 10, ImapSources.ThrowsAtItem3(), chunkSize)
            : pool.ImapUnordered(static (int x) => x * 10, ImapSources.ThrowsAtItem3(), chunkSize);

        // The source is read in this process: its exception is itself, whatever the pool.
        FormatException e = Assert.Throws<FormatException>(() =>
        {
            foreach (int r in results)
            {
                got.Add(r);
            }
        });

        Assert.Equal(ImapSources.SourceFailure, e.Message);
        Assert.Equal([0, 10, 20], ordered ? got : got.Order());
        Assert.Equal(7, pool.Apply(static () => 7)); // the pool carries on
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ImapAsync_WhenTheSourceThrowsAtItem3_YieldsTheFirstResultsThenThrowsItsException(bool ordered)
    {
        await using WorkerPool pool = CreatePool(2);
        var got = new List<int>();
        IAsyncEnumerable<int> results = ordered
            ? pool.ImapAsync(static (int x) => x * 10, ImapSources.ThrowsAtItem3())
            : pool.ImapUnorderedAsync(static (int x) => x * 10, ImapSources.ThrowsAtItem3());

        FormatException e = await Assert.ThrowsAsync<FormatException>(async () =>
        {
            await foreach (int r in results)
            {
                got.Add(r);
            }
        });

        Assert.Equal(ImapSources.SourceFailure, e.Message);
        Assert.Equal([0, 10, 20], ordered ? got : got.Order());
    }

    [Fact]
    public void Imap_LeftEarly_CancelsTheChunksNotYetStarted()
    {
        using WorkerPool pool = CreatePool(1);
        using var gate = SharedEvent.Create();
        using SharedValue<int> ran = SharedValue.Create(0);

        // One worker; item 1 holds it until the consumer has left, so items 2.. can only still be queued then.
        foreach (int r in pool.Imap(MarkingThenHeldAt(1, ran, gate), Enumerable.Range(0, 10), chunkSize: 1, readAhead: 4))
        {
            Assert.Equal(0, r);
            break;
        }

        gate.Set();
        pool.CloseAndJoinOrFail();

        Assert.Equal(0, ran.Value & ~0b11); // only items 0 and 1 may have run (one bit per item)
        Assert.Equal(0, pool.Counters.Queued);
    }

    [Fact]
    public async Task ImapAsync_WhenCancelled_Throws_AndCancelsTheQueuedChunks()
    {
        await using WorkerPool pool = CreatePool(1);
        using var cts = new CancellationTokenSource();
        int taken = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int r in pool.ImapAsync(static (int x) => x, Enumerable.Range(0, 1000), readAhead: 3).WithCancellation(cts.Token))
            {
                if (++taken == 10)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(10, taken);
        pool.CloseAndJoinOrFail();
        Assert.Equal(0, pool.Counters.Queued);
    }

    [Fact]
    public void Imap_RefusesBadArguments_AtTheCall()
    {
        using WorkerPool pool = CreatePool(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Imap(static (int x) => x, [1], chunkSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.ImapUnordered(static (int x) => x, [1], readAhead: -1));
        Assert.Throws<ArgumentNullException>(() => pool.ImapAsync(static (int x) => x, null!));
        pool.Close();
        Assert.Throws<InvalidOperationException>(() => pool.ImapUnorderedAsync(static (int x) => x, [1]));
    }

    /// <summary>Sets bit <c>x</c> of <paramref name="ran"/> for each item; item <paramref name="held"/> then waits for <paramref name="gate"/>.</summary>
    private static Func<int, int> MarkingThenHeldAt(int held, SharedValue<int> ran, SharedEvent gate) => x =>
    {
        ran.Add(1 << x);
        if (x == held)
        {
            gate.Hold();
        }

        return x;
    };
}
