using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 线程池, the second pool: ThreadPool(5) queues tasks, creates threads on demand up to 5
/// and reuses them, tells a callback whether each task succeeded and its result, counts created and idle threads,
/// and stops with close() (finish what is queued) or terminate() (drop it). Ported to <c>ThreadWorkerPool</c>.
/// </summary>
internal sealed class ThreadPoolChapter : IChapter
{
    private const int Tasks = 100;

    /// <summary>The seed's action() sleeps 0.1 s.</summary>
    private static readonly TimeSpan WorkTime = TimeSpan.FromSeconds(0.1 / Say.TimeScale);

    public string Name => "thread-pool";

    public string Title => "线程池 (the better pool: ThreadPool(5) with a callback, created and idle threads, close and terminate)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: each task sleeps 0.01 s.");
        Say.Part("close(): finish what is queued, then stop the threads");
        CloseWhenDone();

        Say.Part("terminate(): drop what is queued, stop after the running tasks (the seed's commented-out ending)");
        TerminateEarly();
    }

    // def action(thread_name, arg): time.sleep(0.1); print("第%s个任务调用了线程 %s，并打印了这条信息！" % (arg+1, thread_name))
    // The seed passes the thread's name in; here the task reads it. It returns it, for the callback.
    private static string Action(int arg)
    {
        Thread.Sleep(WorkTime);
        string threadName = Thread.CurrentThread.Name!;
        Console.WriteLine($"第{arg + 1}个任务调用了线程 {threadName}，并打印了这条信息！");
        return threadName;
    }

    private static void CloseWhenDone()
    {
        // pool = ThreadPool(5)
        using var pool = new ThreadWorkerPool(5);
        int succeeded = 0;
        int failed = 0;
        var tasks = new Task[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            // pool.put(action, (i,), callback): callback(status, result) is a success callback with the result,
            // and an error callback with the exception.
            tasks[i] = pool.ApplyAsync(
                Action,
                i,
                callback: threadName => Interlocked.Increment(ref succeeded),
                errorCallback: e => Interlocked.Increment(ref failed));
        }

        // time.sleep(3): the seed waits long enough for every task to end. The tour waits for exactly that, then
        // for the threads to be back in the free list.
        Task.WaitAll(tasks);
        SpinWait.SpinUntil(() => pool.Counters.WorkersIdle == pool.Counters.WorkersAlive, TimeSpan.FromSeconds(10));

        Console.WriteLine(new string('-', 50));
        PoolCounters c = pool.Counters;
        Console.WriteLine($"任务停止之前线程池中有{c.WorkersAlive}个线程，空闲的线程有{c.WorkersIdle}个！");

        // pool.close()
        pool.Close();
        pool.Join();
        Console.WriteLine("任务执行完毕，正常退出！");
        Console.WriteLine($"callback: {succeeded} × success, {failed} × failure; threads created: {c.WorkersStarted}");
        Say.Note("len(pool.generate_list) and len(pool.free_list) are Counters.WorkersAlive and Counters.WorkersIdle; Counters.WorkersStarted counts every thread the pool ever started. Threads start only when a task comes and no thread is free, up to 5, and are reused; so on a busy machine, where starting a thread can take longer than a task, a free thread may take the next task before a fifth is needed, and the count is lower (the seed's pool follows the same rule).");
        Say.Note("the seed's close() puts one StopEvent per thread in the queue; ThreadWorkerPool.Close() refuses new tasks, lets the queued ones finish, then stops the threads, and Join() waits for that. Leaving a using block does the same (Close, then Join).");
    }

    private static void TerminateEarly()
    {
        using var pool = new ThreadWorkerPool(5);
        int succeeded = 0;
        int terminated = 0;
        using var tenDone = new ManualResetEventSlim();
        var tasks = new Task[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            tasks[i] = pool.ApplyAsync(
                Action,
                i,
                callback: _ =>
                {
                    if (Interlocked.Increment(ref succeeded) == 10)
                    {
                        tenDone.Set();
                    }
                },
                errorCallback: e =>
                {
                    if (e is PoolTerminatedException)
                    {
                        Interlocked.Increment(ref terminated);
                    }
                });
        }

        // The seed sleeps 2 s, then terminates; the tour terminates after ten tasks have ended.
        tenDone.Wait();

        // pool.terminate()
        pool.Terminate();
        Console.WriteLine("强制停止任务！");
        pool.Join();
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException)
        {
            // The terminated tasks: counted by the error callback.
        }

        PoolCounters c = pool.Counters;
        Console.WriteLine($"callback: {succeeded} × success, {terminated} × PoolTerminatedException; the pool counts {c.Completed} completed, {c.Failed} failed");
        Say.Note("Terminate() fails every queued task at once (they never run) and also the tasks running at that moment: their callers get PoolTerminatedException at once. But .NET cannot stop a thread, so those delegates run to their end (their lines may print after 强制停止任务！) and their results are thrown away; then the threads stop, and Join() waits for that. A process pool kills its workers instead.");
    }
}
