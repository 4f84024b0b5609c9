using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中多线程与多进程的使用场景. The seed says: threads for I/O-bound work, processes for CPU-bound work
/// (because of the GIL). Measured here: a CPU-bound job and an I/O-bound job, each sequentially, on two threads
/// and on two processes.
/// </summary>
internal sealed class CpuVsIo : IChapter
{
    private const int Jobs = 4;

    public string Name => "cpu-vs-io";

    public string Title => "Python 中多线程与多进程的使用场景 (threads or processes: a CPU-bound and an I/O-bound job, measured)";

    public void Run()
    {
        using var threads = new ThreadWorkerPool(new PoolOptions { WorkerCount = 2 });
        using var processes = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        processes.Map(Square, Enumerable.Range(0, 4), chunkSize: 1); // the workers are up: their start is not measured
        threads.Map(Square, Enumerable.Range(0, 4), chunkSize: 1);

        Say.Part($"CPU-bound: {Jobs} × sum of i·i for i < 30 000 000");
        long expected = CpuTask(30_000_000) * Jobs;
        double seq = Time(() => Enumerable.Range(0, Jobs).Sum(_ => CpuTask(30_000_000)), expected, "sequential");
        double thr = Time(() => threads.Map(CpuTask, Enumerable.Repeat(30_000_000, Jobs), chunkSize: 1).Sum(), expected, "2 threads");
        double pro = Time(() => processes.Map(CpuTask, Enumerable.Repeat(30_000_000, Jobs), chunkSize: 1).Sum(), expected, "2 processes");
        Console.WriteLine(Say.Invariant($"speed-up: threads {seq / thr:0.00}×, processes {seq / pro:0.00}× on {Environment.ProcessorCount} cores"));
        Say.Note(".NET threads have no GIL: on CPU-bound work they use every core, as processes do (CPython's threads stay at 1× here). What processes add is not speed: isolation (a crash, a leak or a hang stays in its worker), a hard kill with a per-task timeout, and a heap and a garbage collector of their own.");

        Say.Note("each worker is a new runtime, which compiles and tiers up the code it calls again: a pool starts its workers with DOTNET_TieredPGO=0 and DOTNET_TC_CallCountingDelayMs=0 so that a library's hot code is optimized within the first map (ProcessPoolOptions.WorkerEnvironment changes them; measured in bench/README.md, W13).");

        Say.Part($"I/O-bound: {Jobs} × waiting 300 ms (a stand-in for a download or a disk read)");
        double seqIo = Time(() => Enumerable.Range(0, Jobs).Sum(_ => IoTask(300)), Jobs, "sequential");
        double thrIo = Time(() => threads.Map(IoTask, Enumerable.Repeat(300, Jobs), chunkSize: 1).Sum(), Jobs, "2 threads");
        double proIo = Time(() => processes.Map(IoTask, Enumerable.Repeat(300, Jobs), chunkSize: 1).Sum(), Jobs, "2 processes");
        Console.WriteLine(Say.Invariant($"speed-up: threads {seqIo / thrIo:0.00}×, processes {seqIo / proIo:0.00}×"));
        Say.Note("waiting uses no core, so two workers halve the time either way, and more workers would do better still: for I/O, threads (or async code, with no worker at all) are the cheap choice, as the seed says.");
    }

    private static double Time(Func<long> job, long expected, string what)
    {
        var clock = Stopwatch.StartNew();
        long result = job();
        clock.Stop();
        Console.WriteLine(Say.Invariant($"{what,-12} {clock.Elapsed.TotalSeconds:0.00} s{(result == expected ? string.Empty : $"  WRONG RESULT {result}")}"));
        return clock.Elapsed.TotalSeconds;
    }

    // cpu_task(n) = sum(i*i for i in range(n))
    private static long CpuTask(int n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++)
        {
            sum += i * i;
        }

        return sum;
    }

    private static long IoTask(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return 1;
    }

    private static int Square(int x) => x * x;
}
