using System.Diagnostics;
using System.Globalization;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Beyond the seed: when one machine is not enough, the same pool API on a Microsoft Orleans cluster
/// (<c>ClusterPool</c>, as Python users move to Ray's or Dask's <c>Pool</c>). Three local silo processes, a map of a
/// few thousand tasks, and one silo killed with SIGKILL half-way: no task is lost, every result is right.
/// </summary>
internal sealed class Cluster : IChapter
{
    private const int Items = 3000;
    private const int ChunkSize = 5;

    public string Name => "cluster";

    public string Title => "集群 (beyond the seed: the pool on an Orleans cluster, a silo killed half-way)";

    public void Run()
    {
        Say.Part("ClusterPool.StartLocal(silos: 3): three silo processes on this machine, the WorkerPool API on them");
        var started = Stopwatch.StartNew();
        using ClusterPool pool = ClusterPool.StartLocal(silos: 3);
        Console.WriteLine($"cluster ready in {Say.Seconds(started.Elapsed.TotalSeconds)} s, silos (pids): {string.Join(", ", pool.SiloProcessIds)}");

        Say.Part($"pool.Map(f, {Items} items, chunkSize: {ChunkSize}); at half-way, kill -9 the third silo");
        int victim = pool.SiloProcessIds[2]; // Not the first: it holds the membership table of a local cluster.
        long killedAt = 0;
        var progress = new Progress<int>(done =>
        {
            if (done >= Items / 2 && Interlocked.CompareExchange(ref killedAt, DateTime.UtcNow.Ticks, 0) == 0)
            {
                Process.GetProcessById(victim).Kill(); // SIGKILL
            }
        });
        string[] results = pool.Map(static (int x) => Work(x), Enumerable.Range(0, Items), ChunkSize, progress);

        Report(results, Interlocked.Read(ref killedAt), pool.Retries);
        Say.Note("the calls the killed silo held went quiet (a live silo says every second which calls it holds; the dead one said nothing for the 3 s response timeout): the pool sent them again, to the other silos (the client reads the live gateways every second). At least once: a task whose silo died after running it runs again (ClusterPoolOptions.AtMostOnce fails it instead).");
    }

    /// <summary>The task: 2x, with where and when it ran (its silo's pid, its start and end as UTC ticks, comparable across processes on one machine).</summary>
    private static string Work(int x)
    {
        long start = DateTime.UtcNow.Ticks;
        Thread.Sleep(1);
        return string.Create(CultureInfo.InvariantCulture, $"{2 * x}|{Environment.ProcessId}|{start}|{DateTime.UtcNow.Ticks}");
    }

    /// <summary>
    /// Counts the wrong results, and the recovery: the time from the kill until every result was in, those of the
    /// calls sent again included (an upper bound: a silo queues the calls it cannot start yet, so the order in which
    /// items start says nothing of which were sent again).
    /// </summary>
    private static void Report(string[] results, long killedAt, long retries)
    {
        var parsed = results.Select(r => r.Split('|')).Select(p => (Value: int.Parse(p[0], CultureInfo.InvariantCulture), Start: long.Parse(p[2], CultureInfo.InvariantCulture), End: long.Parse(p[3], CultureInfo.InvariantCulture))).ToArray();
        int lost = Items - parsed.Length;
        int wrong = parsed.Where((p, i) => p.Value != 2 * i).Count();
        long lastEnd = parsed.Select(p => p.End).DefaultIfEmpty(killedAt).Max();
        double recovered = TimeSpan.FromTicks(lastEnd - killedAt).TotalSeconds;
        Console.WriteLine($"calls sent again: {retries}");
        Console.WriteLine($"cluster: {Items} tasks, lost {lost}, wrong {wrong}, recovered in {Say.Seconds(recovered)} s");
    }
}
