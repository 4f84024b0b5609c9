using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Workloads;

namespace Multiprocessing.Bench.Sweeps;

/// <summary>
/// W10 by task count: 1,000 to 1,000,000 tasks (a tenth with --quick) on a new <c>ThreadWorkerPool(2)</c> a round,
/// as W10's two halves (submit each and wait for all; one <c>Map</c> with the default chunk size); µs per task, the
/// median of 3 rounds after one untimed round, each after a full GC.
/// </summary>
internal sealed class ThreadPoolTaskCountSweep : ISizeSweep
{
    private const int Rounds = 3;
    private static readonly int[] TaskCounts = [1_000, 10_000, 100_000, 1_000_000];

    public string Name => "w10_thread_pool_by_tasks";

    public string Title => "W10 thread pool, by task count";

    public string XName => "tasks";

    public IReadOnlyList<string> WorkloadIds => ["w10"];

    public void Run(Sizes sizes, SweepPoint point)
    {
        foreach (int full in TaskCounts)
        {
            int n = sizes.Of(full);
            _ = W10ThreadPoolSmall.SubmitAndWait(n);
            point("submit_wait", n, Timing.MedianAfterCollect(Rounds, () => W10ThreadPoolSmall.SubmitAndWait(n)) * 1e6 / n, "us/task", n);
            _ = W10ThreadPoolSmall.MapDefaultChunks(n);
            point("map", n, Timing.MedianAfterCollect(Rounds, () => W10ThreadPoolSmall.MapDefaultChunks(n)) * 1e6 / n, "us/task", n);
        }
    }
}
