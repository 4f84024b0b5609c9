using System.Diagnostics;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 定时器 Timer. hello() runs once, a while after the timer starts.
/// </summary>
internal sealed class TimerChapter : IChapter
{
    /// <summary>Timer(1, hello): 1 s.</summary>
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    public string Name => "timer";

    public string Title => "定时器 Timer (hello, world after a delay)";

    public void Run()
    {
        Say.Note($"the delay is scaled down {Say.TimeScale}×: 0.1 s.");

        Say.Part("System.Threading.Timer");
        WithTimer();

        Say.Part("Task.Delay and a continuation");
        WithTaskDelay();
    }

    // def hello(): print("hello, world")
    private static void Hello() => Console.WriteLine("hello, world");

    private static void WithTimer()
    {
        // A timer that is cancelled before it is due never calls back: t.cancel() is Dispose().
        bool cancelledFired = false;
        var cancelled = new Timer(_ => cancelledFired = true, null, Delay, Timeout.InfiniteTimeSpan);
        cancelled.Dispose();

        using var done = new ManualResetEventSlim();
        bool onThreadPool = false;
        var start = Stopwatch.StartNew();

        // t = Timer(1, hello); t.start(): created started. Timeout.InfiniteTimeSpan as the period: once only.
        using var t = new Timer(
            _ =>
            {
                Hello();
                onThreadPool = Thread.CurrentThread.IsThreadPoolThread;
                done.Set();
            },
            null,
            Delay,
            Timeout.InfiniteTimeSpan);

        // The seed's script ends and Python waits for the timer's thread; the tour waits for the callback.
        done.Wait();
        Console.WriteLine(Say.Invariant($"(after {start.Elapsed.TotalSeconds:F2} s, on a thread-pool thread: {onThreadPool})"));
        Console.WriteLine($"a timer disposed before it was due (Python: t.cancel()) called back: {cancelledFired}");
        Say.Note("Python's Timer is a Thread that sleeps, then calls; .NET's Timer has no thread of its own and calls back on the thread pool, whose threads are background threads: the process does not wait for a pending timer. Keep a reference to the Timer (here, the using variable) until it has fired: an unreferenced Timer may be collected before it is due and never fire.");
    }

    private static void WithTaskDelay()
    {
        var start = Stopwatch.StartNew();
        Task.Delay(Delay).ContinueWith(_ => Hello(), TaskScheduler.Default).Wait();
        Console.WriteLine(Say.Invariant($"(after {start.Elapsed.TotalSeconds:F2} s)"));
        Say.Note("in async code: await Task.Delay(delay); Hello(); and pass a CancellationToken to Task.Delay to cancel it.");
    }
}
