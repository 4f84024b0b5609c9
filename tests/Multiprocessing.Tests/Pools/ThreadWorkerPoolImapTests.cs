using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>ThreadWorkerPool: Imap and ImapUnordered, blocking and async: order, laziness, errors, early exits.</summary>
public sealed class ThreadWorkerPoolImapTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Imap_YieldsTheResultsInInputOrder(int chunkSize)
    {
        using var pool = new ThreadWorkerPool(3);

        int[] results = [.. pool.Imap((int x) => x * x, Enumerable.Range(0, 200), chunkSize)];

        Assert.Equal(Enumerable.Range(0, 200).Select(x => x * x), results);
    }

    [Fact]
    public void Imap_ReadsTheSourceOnlyABoundedDistanceAhead()
    {
        using var pool = new ThreadWorkerPool(2);
        var source = new PoolTestSupport.CountingSource(1000);
        const int ChunkSize = 3;
        const int ReadAhead = 2;

        IEnumerable<int> results = pool.Imap((int x) => x, source.Items(), ChunkSize, ReadAhead);
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
        await using var pool = new ThreadWorkerPool(2);
        var source = new PoolTestSupport.CountingSource(1000);
        int taken = 0;

        await foreach (int r in pool.ImapAsync((int x) => x + 1, source.Items(), chunkSize: 1, readAhead: 4))
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
        using var pool = new ThreadWorkerPool(2);
        using var gate = new ManualResetEventSlim();

        // Item 0 waits until the consumer has received a result, so that result can only be item 1's.
        using IEnumerator<int> e = pool.ImapUnordered(
            (int x) =>
            {
                if (x == 0)
                {
                    gate.Hold();
                }

                return x;
            },
            [0, 1]).GetEnumerator();

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
        await using var pool = new ThreadWorkerPool(3);
        var results = new List<int>();

        await foreach (int r in pool.ImapUnorderedAsync((int x) => x * 2, Enumerable.Range(0, 500), chunkSize: 7))
        {
            results.Add(r);
        }

        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * 2), results.Order());
    }

    [Fact]
    public void ImapUnordered_YieldsEveryResultExactlyOnce()
    {
        using var pool = new ThreadWorkerPool(3);

        int[] results = [.. pool.ImapUnordered((int x) => x, Enumerable.Range(0, 300), chunkSize: 4, readAhead: 3)];

        Assert.Equal(Enumerable.Range(0, 300), results.Order());
    }

    [Fact]
    public void Imap_WhenAnItemThrows_ThrowsWhenTheEnumerationReachesIt()
    {
        using var pool = new ThreadWorkerPool(2);
        var got = new List<int>();

        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (int r in pool.Imap((int x) => x == 5 ? throw new InvalidOperationException("five") : x, Enumerable.Range(0, 20)))
            {
                got.Add(r);
            }
        });

        Assert.Equal("five", e.Message);
        Assert.Equal([0, 1, 2, 3, 4], got);
    }

    [Fact]
    public async Task ImapAsync_WhenAnItemThrows_ThrowsWhenTheEnumerationReachesIt()
    {
        await using var pool = new ThreadWorkerPool(2);
        var got = new List<int>();

        var e = await Assert.ThrowsAsync<ArithmeticException>(async () =>
        {
            await foreach (int r in pool.ImapAsync((int x) => x == 3 ? throw new ArithmeticException("three") : x, Enumerable.Range(0, 10)))
            {
                got.Add(r);
            }
        });

        Assert.Equal("three", e.Message);
        Assert.Equal([0, 1, 2], got);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    public void Imap_WhenTheSourceThrowsAtItem3_YieldsTheFirstResultsThenThrowsItsException(bool ordered, int chunkSize)
    {
        using var pool = new ThreadWorkerPool(2);
        var got = new List<int>();
        IEnumerable<int> results = ordered
            ? pool.Imap((int x) => x * 10, ImapSources.ThrowsAtItem3(), chunkSize)
            : pool.ImapUnordered((int x) => x * 10, ImapSources.ThrowsAtItem3(), chunkSize);

        FormatException e = Assert.Throws<FormatException>(() =>
        {
            foreach (int r in results)
            {
                got.Add(r);
            }
        });

        Assert.Equal(ImapSources.SourceFailure, e.Message);
        Assert.Equal([0, 10, 20], ordered ? got : got.Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ImapAsync_WhenTheSourceThrowsAtItem3_YieldsTheFirstResultsThenThrowsItsException(bool ordered)
    {
        await using var pool = new ThreadWorkerPool(2);
        var got = new List<int>();
        IAsyncEnumerable<int> results = ordered
            ? pool.ImapAsync((int x) => x * 10, ImapSources.ThrowsAtItem3())
            : pool.ImapUnorderedAsync((int x) => x * 10, ImapSources.ThrowsAtItem3());

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
        using var pool = new ThreadWorkerPool(1);
        using var gate = new ManualResetEventSlim();
        var ran = new ConcurrentQueue<int>();

        // One thread; item 1 holds it until the consumer has left, so items 2.. can only still be queued then.
        foreach (int r in pool.Imap(
            (int x) =>
            {
                ran.Enqueue(x);
                if (x == 1)
                {
                    gate.Hold();
                }

                return x;
            },
            Enumerable.Range(0, 10),
            chunkSize: 1,
            readAhead: 4))
        {
            Assert.Equal(0, r);
            break;
        }

        gate.Set();
        pool.CloseAndJoinOrFail();

        Assert.Subset(new HashSet<int> { 0, 1 }, ran.ToHashSet());
        Assert.Equal(0, pool.Counters.Queued);
    }

    [Fact]
    public async Task ImapAsync_WhenCancelled_Throws_AndCancelsTheQueuedChunks()
    {
        await using var pool = new ThreadWorkerPool(1);
        using var cts = new CancellationTokenSource();
        int taken = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int r in pool.ImapAsync((int x) => x, Enumerable.Range(0, 1000), readAhead: 3).WithCancellation(cts.Token))
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
        using var pool = new ThreadWorkerPool(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Imap((int x) => x, [1], chunkSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.ImapUnordered((int x) => x, [1], readAhead: -1));
        Assert.Throws<ArgumentNullException>(() => pool.ImapAsync((int x) => x, null!));
        pool.Close();
        Assert.Throws<InvalidOperationException>(() => pool.ImapUnorderedAsync((int x) => x, [1]));
    }
}
