using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程池 Pool 类. <c>Pool(5)</c>, thirty <c>apply_async(func, (i,))</c> where func sleeps a
/// second and prints, <c>close()</c>, <c>join()</c>; then the seed's commented-out <c>terminate()</c>, and what
/// CPython's pool cannot survive: a worker killed in the middle of a task.
/// </summary>
internal sealed class ProcessPoolChapter : IChapter
{
    public string Name => "process-pool";

    public string Title => "进程池 Pool 类 (the process pool: Pool(5), thirty apply_async, close, join)";

    public void Run()
    {
        Say.Part("the seed's script: p = Pool(5); 30 × p.apply_async(func, (i,)); p.close(); p.join()");
        Seed();

        Say.Part("the seed's comment: time.sleep(2); p.terminate() — stop now");
        Terminate();

        Say.Part("a worker killed in the middle of its task (CPython's Pool waits for ever here)");
        KilledWorker();

        Say.Part("Python 3.14's executor.terminate_workers() / kill_workers(): stop every worker now");
        StopWorkers();
    }

    private static void Seed()
    {
        var clock = Stopwatch.StartNew();
        var p = new ProcessPool(new PoolOptions { WorkerCount = 5 }); // Pool(5)
        for (int i = 0; i < 30; i++)
        {
            _ = p.ApplyAsync(Func, i); // apply_async(func=func, args=(i,)): the task runs, its result is not awaited
        }

        p.Close(); // no new tasks; the thirty queued ones finish
        p.Join();  // wait until every worker has stopped
        Console.WriteLine(Say.Invariant($"30 tasks of 1 s on 5 processes: {clock.Elapsed.TotalSeconds:0.0} s"));
        Say.Note("six rounds of five, about 6 s, plus the workers' start. The lines come in the order the workers printed them. Close then Join is the seed's close() then join(); leaving a using block does the same (Dispose = Close + Join: queued work is finished, not thrown away — CPython's with Pool() terminates instead).");
    }

    // def func(args): time.sleep(1); print("正在执行进程 ", args)
    private static void Func(int args)
    {
        Thread.Sleep(1000);
        Console.WriteLine($"正在执行进程  {args}");
    }

    private static void Terminate()
    {
        var p = new ProcessPool(new PoolOptions { WorkerCount = 5 });
        Task[] tasks = [.. Enumerable.Range(0, 30).Select(i => p.ApplyAsync(Func, i))];
        Thread.Sleep(2000); // the seed's time.sleep(2)
        p.Terminate();
        p.Join();
        int done = tasks.Count(t => t.IsCompletedSuccessfully);
        int stopped = tasks.Count(t => t.Exception?.InnerException is PoolTerminatedException);
        Console.WriteLine($"after 2 s: {done} tasks had finished, {stopped} were stopped with PoolTerminatedException");
        Say.Note("Terminate kills the workers at once: tasks running or queued fail with PoolTerminatedException (awaiting them throws it), and Join returns when the workers are gone. How many finished depends on how fast the workers started.");
    }

    private static void KilledWorker()
    {
        using var p = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        using SharedValue<int> victim = SharedValue.Create(0);
        using SharedEvent started = SharedEvent.Create();
        Task<int> doomed = p.Submit(Doomed, victim, started);
        Task<int>[] others = [.. Enumerable.Range(1, 10).Select(i => p.Submit(Square, i))];
        started.Wait();
        Process.GetProcessById(victim.Value).Kill(); // as if the OOM killer or a crash took it
        try
        {
            doomed.GetAwaiter().GetResult();
        }
        catch (ProcessDiedException e)
        {
            Console.WriteLine($"the killed task failed: {e.GetType().Name}: {e.Message}");
        }

        Console.WriteLine($"the other ten finished: {string.Join(", ", others.Select(t => t.Result))}");
        Console.WriteLine($"workers alive: {p.Counters.WorkersAlive} (pid {victim.Value} was replaced)");
        Say.Note("only the task the worker was running fails, with one exception naming its pid and signal; the tasks queued behind it go to the other worker, and a new worker takes its place. A task past PoolOptions.TaskTimeout is handled the same way (its worker is killed, the task fails with TimeoutException).");
    }

    private static void StopWorkers()
    {
        using var p = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2 });
        using SharedValue<int> victim = SharedValue.Create(0);
        using SharedEvent started = SharedEvent.Create();
        Task<int> busy = p.Submit(Doomed, victim, started);
        started.Wait();
        p.TerminateWorkers(); // terminate_workers(): SIGTERM to every worker; KillWorkers() would send SIGKILL
        try
        {
            busy.GetAwaiter().GetResult();
        }
        catch (PoolTerminatedException e)
        {
            Console.WriteLine($"the busy task: {e.GetType().Name}: {e.Message}");
        }

        try
        {
            _ = p.Submit(Square, 3);
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"a new task: {e.Message}");
        }

        p.Join();
        Console.WriteLine($"workers alive after Join: {p.Counters.WorkersAlive}");
        Say.Note("the pool is done, as after Terminate: its queued and running tasks fail at once, new ones are refused, Join returns when the workers are gone. A task that watches CurrentProcess.TerminationToken sees SIGTERM and may clean up; a worker still there after ProcessPoolOptions.CancelGracePeriod (2 s) is killed. KillWorkers() sends SIGKILL at once.");
    }

    private static int Doomed(SharedValue<int> victim, SharedEvent started)
    {
        victim.Value = Environment.ProcessId;
        started.Set();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static int Square(int x) => x * x;
}
