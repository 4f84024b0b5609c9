using System.Diagnostics;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 线程锁 › 2）信号 Semaphore. Twenty threads pass a BoundedSemaphore(5) five at a time; a
/// bounded semaphore refuses to be released more often than it was taken.
/// </summary>
internal sealed class BoundedSemaphore : IChapter
{
    /// <summary>The seed's run sleeps 1 s inside the semaphore.</summary>
    private static readonly TimeSpan WorkTime = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    public string Name => "bounded-semaphore";

    public string Title => "2）信号 Semaphore (BoundedSemaphore(5): twenty threads, five at a time)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: each thread holds the semaphore 0.1 s. Each line shows when the thread got in, counted from the moment all twenty were lined up.");
        FiveAtATime();

        Say.Part("bounded: a release too many throws");
        OverRelease();
    }

    private static void FiveAtATime()
    {
        var entered = new double[20];
        var start = new Stopwatch();

        // The tour lines all twenty threads up before any of them asks for the semaphore, so that the batches do not
        // depend on how fast threads start on a busy machine.
        using var ready = new CountdownEvent(20);
        using var go = new ManualResetEventSlim();

        // semaphore = threading.BoundedSemaphore(5): count 5, and at most 5
        using var semaphore = new SemaphoreSlim(5, 5);
        var threads = new List<Thread>();
        for (int i = 0; i < 20; i++)
        {
            int n = i;
            var t = new Thread(() =>
            {
                ready.Signal();
                go.Wait();
                entered[n] = RunThread(n, semaphore, start);
            });
            t.Start();
            threads.Add(t);
        }

        ready.Wait();
        start.Start();
        go.Set();

        // The seed leaves its threads running; the tour joins them.
        foreach (Thread t in threads)
        {
            t.Join();
        }

        IEnumerable<string> batches = entered
            .GroupBy(Say.Seconds)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} at +{g.Key} s");
        Console.WriteLine($"got in: {string.Join(", ", batches)}");
        Say.Note("运行后，可以看到 5 个一批的线程被放行: a batch gets in each time the one before it leaves. Which five make up a batch is up to the scheduler.");
    }

    // def run(n, se): se.acquire(); print(...); time.sleep(1); se.release()
    private static double RunThread(int n, SemaphoreSlim se, Stopwatch start)
    {
        se.Wait();
        double at = start.Elapsed.TotalSeconds;
        Console.WriteLine($"run the thread: {n}  (+{Say.Seconds(at)} s)");
        Thread.Sleep(WorkTime);
        se.Release();
        return at;
    }

    private static void OverRelease()
    {
        using var bounded = new SemaphoreSlim(5, 5);
        try
        {
            bounded.Release();
        }
        catch (SemaphoreFullException e)
        {
            Console.WriteLine($"new SemaphoreSlim(5, 5).Release() → {e.GetType().Name}: {e.Message}");
        }

        using var unbounded = new SemaphoreSlim(5);
        unbounded.Release();
        Console.WriteLine($"new SemaphoreSlim(5).Release() → fine, CurrentCount = {unbounded.CurrentCount}");
        Say.Note("SemaphoreSlim(5, 5) is BoundedSemaphore(5): its second argument is the most it may hold, and a release past it throws (Python: ValueError: Semaphore released too many times). SemaphoreSlim(5) is Semaphore(5): no bound, a stray release lets a sixth thread in.");
    }
}
