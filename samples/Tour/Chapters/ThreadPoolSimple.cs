using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 线程池, the first (simple) pool: MyThreadPool(5) hands out five "thread classes" as
/// tickets, each task starts a new thread with one and gives it back when done, so at most five run at once.
/// Ported to <c>ThreadWorkerPool(5)</c>: the same limit, with threads that are started once and reused.
/// </summary>
internal sealed class ThreadPoolSimple : IChapter
{
    /// <summary>The seed's text says 100 tasks (its code loops 20 times).</summary>
    private const int Tasks = 100;

    /// <summary>The seed's run() sleeps 1 s.</summary>
    private static readonly TimeSpan WorkTime = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    public string Name => "thread-pool-simple";

    public string Title => "线程池 (the simple pool: MyThreadPool(5), 100 tasks through at most 5 threads)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: each task sleeps 0.1 s, so 100 tasks on 5 threads take about 2 s.");
        Say.Note("the seed's MyThreadPool(5) is a queue of five Thread classes used as tickets: each task takes one, starts a NEW thread with it, and the thread puts a ticket back when done. So 100 tasks start 100 threads, at most 5 at a time, and the loop blocks while 5 run. ThreadWorkerPool(5) starts at most 5 threads and reuses them; the loop does not block, the tasks wait in the pool's queue.");

        // pool = MyThreadPool(5)  # 设定线程池中最多只能有5个线程类
        using var pool = new ThreadWorkerPool(5);
        var tasks = new Task[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            // t = pool.get_thread(); obj = t(target=run, args=(i, pool)); obj.start()
            tasks[i] = pool.Submit(RunTask, i);
        }

        // print("活动的子线程数：", threading.active_count()-1)
        Console.WriteLine($"活动的子线程数： {pool.Counters.WorkersAlive}");

        Task.WaitAll(tasks);
        PoolCounters c = pool.Counters;
        Console.WriteLine($"{Tasks} tasks done; threads started by the pool: {c.WorkersStarted} (the seed's version started {Tasks})");
        Say.Note("Counters.WorkersAlive is the pool's own count of its threads, where the seed uses threading.active_count() - 1. The seed's script then ends while its last threads still run; the tour waits for the tasks, and the end of the using block (Dispose = Close, then Join) waits for the threads.");
    }

    // def run(i, pool): print('执行任务', i); time.sleep(1); pool.add_thread()
    private static void RunTask(int i)
    {
        Console.WriteLine($"执行任务 {i}");
        Thread.Sleep(WorkTime);

        // pool.add_thread(): nothing to give back; the thread goes back to the pool by itself.
    }
}
