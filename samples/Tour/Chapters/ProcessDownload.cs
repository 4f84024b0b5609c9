using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 代码示例 › 多进程实战. Two simulated downloads, first one after the other in the parent,
/// then in two child processes at once: the total drops from the sum of the two to the longer one.
/// </summary>
internal sealed class ProcessDownload : IChapter
{
    private const string File1 = "Python入门教程.pdf";
    private const string File2 = "程序员养身之道.pdf";

    public string Name => "process-download";

    public string Title => "多进程实战 (multiprocessing in practice: two downloads, one after the other, then in two processes)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: the seed's randint(5, 10) seconds are 0.5–1.0 s here.");

        Say.Part("不使用多进程 (the seed's first script: both downloads in the parent, one after the other)");
        (double sequentialTotal, double sequentialSum) = Sequential.Run();

        Say.Part("使用多进程 (the seed's second script: each download in its own child process)");
        (double parallelTotal, Download d1, Download d2) = WithProcesses.Run();

        // Stopwatch timestamps come from the OS's monotonic clock, which is the same in every process on the machine.
        double sum = d1.Seconds + d2.Seconds;
        double longer = Math.Max(d1.Seconds, d2.Seconds);
        double together = Math.Max(0, Stopwatch.GetElapsedTime(Math.Max(d1.StartedAt, d2.StartedAt), Math.Min(d1.FinishedAt, d2.FinishedAt)).TotalSeconds);
        Console.WriteLine(Say.Invariant($"sequential: total {sequentialTotal:F2} s ≈ the sum of the two downloads, {sequentialSum:F2} s"));
        Console.WriteLine(Say.Invariant($"parallel:   total {parallelTotal:F2} s for downloads that add up to {sum:F2} s: they ran at the same time for {together:F2} s; total = the longer one, {longer:F2} s, + {parallelTotal - longer:F2} s to start and join the children"));
        Say.Note("each child is a fresh .NET runtime: starting one costs about 0.1 s on an idle machine (more on a busy one), where Python's fork costs less.");
    }

    /// <summary>What a child reports: how long its download took, and when it started and finished (Stopwatch timestamps).</summary>
    private sealed record Download(double Seconds, long StartedAt, long FinishedAt);

    /// <summary>randint(5, 10) seconds, scaled: 0.5 to 1.0 s.</summary>
    private static double TimeToDownload() => Random.Shared.Next(5, 11) / (double)Say.TimeScale;

    /// <summary>The first script: 不使用多进程时，需要等第一个文件下载完才能下载第二个文件.</summary>
    private static class Sequential
    {
        public static (double Total, double Sum) Run()
        {
            var start = Stopwatch.StartNew();
            double t1 = DownloadTask(File1);
            double t2 = DownloadTask(File2);
            double total = start.Elapsed.TotalSeconds;
            Console.WriteLine(Say.Invariant($"总共耗费了{total:F2}秒."));
            return (total, t1 + t2);
        }

        private static double DownloadTask(string filename)
        {
            Console.WriteLine($"开始下载: {filename}...");
            double timeToDownload = TimeToDownload();
            Thread.Sleep(TimeSpan.FromSeconds(timeToDownload));
            Console.WriteLine($"{filename} 下载完成! 耗时{Say.Seconds(timeToDownload)}秒");
            return timeToDownload;
        }
    }

    /// <summary>The second script: 使用多进程时，两个任务同时执行，总耗时不再是两个任务的时间总和.</summary>
    private static class WithProcesses
    {
        public static (double Total, Download D1, Download D2) Run()
        {
            var start = Stopwatch.StartNew();
            using ChildProcess<Download> p1 = ChildProcess.Start(DownloadTask, File1);
            using ChildProcess<Download> p2 = ChildProcess.Start(DownloadTask, File2);
            p1.Join();
            p2.Join();
            double total = start.Elapsed.TotalSeconds;
            Console.WriteLine(Say.Invariant($"总共耗费了{total:F2}秒."));
            return (total, p1.Result, p2.Result);
        }

        // Runs in a child; Random.Shared there is the child's own, seeded afresh. The seed's children only print
        // their time; ours also return it, with when they started and finished, so that the parent can compare.
        private static Download DownloadTask(string filename)
        {
            long startedAt = Stopwatch.GetTimestamp();
            Console.WriteLine($"开始下载: {filename}...");
            double timeToDownload = TimeToDownload();
            Thread.Sleep(TimeSpan.FromSeconds(timeToDownload));
            Console.WriteLine($"{filename} 下载完成! 耗费了{Say.Seconds(timeToDownload)}秒");
            return new Download(timeToDownload, startedAt, Stopwatch.GetTimestamp());
        }
    }
}
