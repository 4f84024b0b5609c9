using System.Text;
using Xunit.Abstractions;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// ProcessPool with large items both ways: tasks and results of several MB each, bigger than a worker's pipe, in
/// both directions at once. The pool's thread that reads a worker's results must never wait to write that
/// worker's next task (the worker may be waiting for it to read its result): none of these maps may hang.
/// </summary>
public sealed class ProcessPoolLargeDataTests(ITestOutputHelper output)
{
    /// <summary>How long one map may take before the test calls it a hang (it takes well under a second).</summary>
    private static readonly TimeSpan MapBound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The shape of the report: about 600 text documents (a few KB to a few hundred KB, about 20 MB in all), their
    /// contents passed in and a larger string returned for each, default chunking, 2 workers. It hung in 3 of 14
    /// calls; here 4 maps in one pool, each bounded.
    /// </summary>
    [Fact]
    public void AMapOf600DocumentsWithLargerResults_NeverHangs()
    {
        var random = new Random(600);
        string[] documents = [.. Enumerable.Range(0, 600).Select(i => Text(random, random.Next(2_000, 70_000)))];
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        try
        {
            for (int round = 0; round < 4; round++)
            {
                string[] results = MapOrFail(pool, Annotate, documents, chunkSize: 0, $"round {round}");
                for (int i = 0; i < documents.Length; i++)
                {
                    Assert.Equal(Annotate(documents[i]), results[i]);
                }
            }
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    /// <summary>
    /// The deadlock made certain: large tasks wait in the pool's queue behind a running task, so that the worker's
    /// reader thread is the one that sends each of them when the previous result arrives, while the worker writes
    /// a large result that only that thread reads.
    /// </summary>
    [Fact]
    public async Task LargeTasksSentByTheReaderThread_WhileTheWorkerWritesALargeResult_DoNotDeadlock()
    {
        var random = new Random(7);
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        try
        {
            using var started = SharedEvent.Create();
            using var go = SharedEvent.Create();
            Task<int> gate = pool.Submit(static (SharedEvent s, SharedEvent g) =>
            {
                s.Set();
                g.Wait();
                return 1;
            }, started, go);
            Assert.True(started.TryWait(Within.Deadline), "the first task did not start");

            // The first item is small, so its task fits in the pipe at once; the worker then holds two tasks, and
            // the 2 MB ones wait in the pool's queue until results come back.
            string[] items = ["small", .. Enumerable.Range(0, 6).Select(_ => Text(random, 2_000_000))];
            Task<string[]> map = pool.MapAsync(Annotate, items, chunkSize: 1);
            go.Set();
            Assert.Equal(1, await gate.WaitAsync(Within.Deadline));
            Assert.True(map.EndsWithin(MapBound), $"the map did not end within {MapBound.TotalSeconds} s (a deadlock between the pool and its worker).");
            Assert.Equal(items.Select(Annotate), await map);
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    /// <summary>
    /// Many maps of random multi-MB items both ways, 1 to 4 workers, random chunk sizes; each case has its own
    /// seed (in its name), so a failure reproduces.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void MapsOfRandomMultiMegabyteItemsBothWays_NeverHang(int seed)
    {
        var random = new Random(seed);
        int workers = 1 + (seed % 4);
        output.WriteLine($"seed {seed}: {workers} workers");
        var pool = new ProcessPool(new PoolOptions { WorkerCount = workers });
        try
        {
            for (int map = 0; map < 3; map++)
            {
                int count = random.Next(4, 14);
                string[] items = [.. Enumerable.Range(0, count).Select(_ => Text(random, random.Next(100_000, 2_500_000)))];
                int chunkSize = random.Next(0, 4); // 0: the default rule.
                bool grow = random.Next(2) == 0;
                output.WriteLine($"  map {map}: {count} items, {items.Sum(s => (long)s.Length) / 1_000_000.0:F1} MB in, chunk size {chunkSize}, results {(grow ? "larger" : "smaller")}");
                string[] results = grow
                    ? MapOrFail(pool, Annotate, items, chunkSize, $"seed {seed} map {map}")
                    : MapOrFail(pool, Shrink, items, chunkSize, $"seed {seed} map {map}");
                for (int i = 0; i < items.Length; i++)
                {
                    Assert.Equal(grow ? Annotate(items[i]) : Shrink(items[i]), results[i]);
                }
            }
        }
        finally
        {
            pool.Terminate();
            Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        }
    }

    /// <summary>Terminate while large tasks are being written to busy workers: the writes stop, nothing hangs, every task ends.</summary>
    [Fact]
    public void Terminate_WhileLargeTasksWaitToBeWritten_EndsEveryTask()
    {
        var random = new Random(42);
        string[] items = [.. Enumerable.Range(0, 12).Select(_ => Text(random, 1_500_000))];
        var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        Task<string[]> map = pool.MapAsync(static (string s) => { Thread.Sleep(Timeout.Infinite); return s; }, items, chunkSize: 1);
        Task<string>[] singles = [.. items.Select(s => pool.Submit(static (string x) => x.ToUpperInvariant(), s))];
        pool.Terminate();
        Assert.True(pool.Join(Within.Deadline), "the pool's workers did not stop after Terminate");
        Assert.True(map.EndsWithin(Within.Deadline), "the map did not end after Terminate");
        Assert.IsType<PoolTerminatedException>(map.Exception?.InnerException);
        foreach (Task<string> t in singles)
        {
            Assert.True(t.EndsWithin(Within.Deadline), "a task did not end after Terminate");
            Assert.IsType<PoolTerminatedException>(t.Exception?.InnerException);
        }
    }

    /// <summary>The document with a header and the document again: a result larger than its argument.</summary>
    private static string Annotate(string document) => $"<doc length={document.Length}>" + document + document.ToUpperInvariant() + "</doc>";

    /// <summary>Every third character: a result smaller than its argument.</summary>
    private static string Shrink(string document)
    {
        var b = new StringBuilder((document.Length / 3) + 1);
        for (int i = 0; i < document.Length; i += 3)
        {
            b.Append(document[i]);
        }

        return b.ToString();
    }

    private static string[] MapOrFail(ProcessPool pool, Func<string, string> function, string[] items, int chunkSize, string what)
    {
        Task<string[]> map = pool.MapAsync(function, items, chunkSize);
        Assert.True(map.EndsWithin(MapBound), $"{what}: the map of {items.Length} items did not end within {MapBound.TotalSeconds} s (a deadlock between the pool and a worker).");
        return map.GetAwaiter().GetResult();
    }

    /// <summary>Random ASCII words of about <paramref name="length"/> characters.</summary>
    private static string Text(Random random, int length)
    {
        var b = new StringBuilder(length + 16);
        while (b.Length < length)
        {
            int word = random.Next(1, 12);
            for (int i = 0; i < word; i++)
            {
                b.Append((char)('a' + random.Next(26)));
            }

            b.Append(random.Next(10) == 0 ? '\n' : ' ');
        }

        return b.ToString();
    }
}
