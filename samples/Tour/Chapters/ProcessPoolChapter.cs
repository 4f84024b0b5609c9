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
    private static readonly string[] Words = ["a", "bb", "ccc"];

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

        Say.Part("async targets: pool.Submit(async () => ...) runs the coroutine to its end in the worker");
        AsyncTargets();

        Say.Part("cancellation that reaches the task: a delegate that takes a CancellationToken");
        CancelInWorker();

        Say.Part("state built once per worker: pool.WithWorkerState(() => new ...)");
        WorkerState();
    }

    private static void WorkerState()
    {
        using var p = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        using SharedValue<int> built = SharedValue.Create(0);
        WorkerStatePool<MemoryStream> view = p.WithWorkerState(NewLog(built)); // a stream cannot cross processes: it is built in each worker
        long[] lengths = view.Map(Append, Enumerable.Range(0, 20), chunkSize: 1);
        Console.WriteLine($"20 tasks, {built.Value} streams built (one per worker that ran a task), each kept its worker's writes: longest {lengths.Max()} bytes");
        Say.Note("the factory runs in each worker after the initializer, before its first task of the view; the tasks take the state as their first parameter. For what is costly to build or cannot cross: a client, a stream, a cache (mpire's worker_state).");
    }

    private static Func<MemoryStream> NewLog(SharedValue<int> built) => () =>
    {
        built.Add(1);
        return new MemoryStream();
    };

    private static long Append(MemoryStream log, int x)
    {
        log.WriteByte((byte)x);
        return log.Length;
    }

    private static void AsyncTargets()
    {
        using var p = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        int n = 42;
        int result = p.Submit(async () => { await Task.Delay(10); return n; }).GetAwaiter().GetResult(); // Task<int>, not Task<Task<int>>
        int[] lengths = p.Map(FetchLength, Words);
        Console.WriteLine($"await pool.Submit(async () => {{ await Task.Delay(10); return n; }}) gave {result}; Map of an async function gave {string.Join(", ", lengths)}");
        Say.Note("an async delegate's task runs to its end in the worker, which it holds meanwhile (one task per worker at a time, as Python's pools); the call's result is that task's result, and its exception that task's. The same holds for ThreadWorkerPool, and for Apply, ApplyAsync, Imap and ImapUnordered.");
    }

    // As if it awaited I/O: an async method, sent to a worker like any other.
    private static async Task<int> FetchLength(string s)
    {
        await Task.Delay(10);
        return s.Length;
    }

    private static void CancelInWorker()
    {
        using var p = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, CancelGracePeriod = TimeSpan.FromSeconds(30) });
        int before = p.Submit(() => Environment.ProcessId).GetAwaiter().GetResult();
        using SharedEvent started = SharedEvent.Create();
        using var cts = new CancellationTokenSource();
        Task<int> task = p.Submit(CountUntilCancelled, started, cts.Token);
        started.Wait();
        cts.Cancel();
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("the task saw its token cancelled in the worker and stopped: the caller's task is cancelled");
        }

        int after = p.Submit(() => Environment.ProcessId).GetAwaiter().GetResult();
        Console.WriteLine(before == after ? "the same worker (same pid) served the next task: it was not killed" : "WRONG: the worker was replaced");
        Say.Note("the pool passes the delegate a token of its own (a token cannot cross processes: capturing one is refused, with this advice) and cancels it in the worker when the caller's token is cancelled. A task that still runs ProcessPoolOptions.CancelGracePeriod later is killed, and its worker replaced.");
    }

    private static int CountUntilCancelled(SharedEvent started, CancellationToken ct)
    {
        started.Set();
        int rounds = 0;
        while (!ct.IsCancellationRequested)
        {
            Thread.Sleep(10);
            rounds++;
        }

        ct.ThrowIfCancellationRequested();
        return rounds;
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
