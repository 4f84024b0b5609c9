using System.Diagnostics;
using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Workloads;

namespace Multiprocessing.Bench.Sweeps;

/// <summary>
/// W2 by worker count: a <c>ProcessPool</c> of 1, 2, 4 and 8 workers (started and answering before the clock);
/// one untimed round of both maps (compiling the map path), then µs per task of <c>Map(square, 0..199,999)</c>
/// with the default chunk size (ceil(n / (4 · workers))) and of <c>Map(square, 0..19,999, chunkSize: 1)</c>.
/// This machine has <see cref="Environment.ProcessorCount"/> CPUs: past that, more workers only share them.
/// </summary>
internal sealed class PoolWorkerCountSweep : ISizeSweep
{
    private static readonly int[] WorkerCounts = [1, 2, 4, 8];

    public string Name => "w2_pool_map_by_workers";

    public string Title => "W2 process pool map, by workers";

    public string XName => "workers";

    public IReadOnlyList<string> WorkloadIds => ["w2"];

    public void Run(Sizes sizes, SweepPoint point)
    {
        int n = sizes.Of(200_000);
        int n1 = sizes.Of(20_000);
        foreach (int workers in WorkerCounts)
        {
            using var pool = new ProcessPool(new PoolOptions { WorkerCount = workers });
            PoolBench.WarmUp(pool);
            _ = MicrosecondsPerTask(pool, n, chunkSize: 0);
            _ = MicrosecondsPerTask(pool, n1, chunkSize: 1);
            point("map_default_chunksize", workers, MicrosecondsPerTask(pool, n, chunkSize: 0), "us/task", n);
            point("map_chunksize_1", workers, MicrosecondsPerTask(pool, n1, chunkSize: 1), "us/task", n1);
        }
    }

    private static double MicrosecondsPerTask(ProcessPool pool, int n, int chunkSize)
    {
        long start = Stopwatch.GetTimestamp();
        long[] results = pool.Map(Square, Enumerable.Range(0, n), chunkSize); // 0: the default chunk size
        double microseconds = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        PoolBench.CheckSquares(results, n);
        return microseconds / n;
    }

    private static long Square(int x) => (long)x * x;
}
