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
        Say.Note("the calls the killed silo held got no answer: the pool sent them again, and they ran on the other silos once the cluster had evicted the dead one (1 s probes, 2 missed, 3 s response timeout). At least once: a task whose silo died after running it runs again (ClusterPoolOptions.AtMostOnce fails it instead).");
    }

    /// <summary>The task: 2x, with where and when it ran (its silo's pid, its start and end as UTC ticks, comparable across processes on one machine).</summary>
    private static string Work(int x)
    {
        long start = DateTime.UtcNow.Ticks;
        Thread.Sleep(1);
        return string.Create(CultureInfo.InvariantCulture, $"{2 * x}|{Environment.ProcessId}|{start}|{DateTime.UtcNow.Ticks}");
    }

    /// <summary>
    /// Counts the wrong results, and the recovery: chunks are taken in input order, so an item that started after
    /// the kill while a later one had started before it was sent again; the recovery is the time from the kill
    /// until the last of those ended.
    /// </summary>
    private static void Report(string[] results, long killedAt, long retries)
    {
        var parsed = results.Select(r => r.Split('|')).Select(p => (Value: int.Parse(p[0], CultureInfo.InvariantCulture), Start: long.Parse(p[2], CultureInfo.InvariantCulture), End: long.Parse(p[3], CultureInfo.InvariantCulture))).ToArray();
        int lost = Items - parsed.Length;
        int wrong = parsed.Where((p, i) => p.Value != 2 * i).Count();
        int lastStartedBefore = Array.FindLastIndex(parsed, p => p.Start < killedAt);
        long lastRetriedEnd = parsed.Take(lastStartedBefore + 1).Where(p => p.Start >= killedAt).Select(p => p.End).DefaultIfEmpty(killedAt).Max();
        double recovered = TimeSpan.FromTicks(lastRetriedEnd - killedAt).TotalSeconds;
        Console.WriteLine($"calls sent again: {retries}");
        Console.WriteLine($"cluster: {Items} tasks, lost {lost}, wrong {wrong}, recovered in {Say.Seconds(recovered)} s");
    }
}
