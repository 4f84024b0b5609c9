using Multiprocessing;

// Apps that may run single-file call this first; elsewhere it returns at once. A test leaves it out to see
// what happens to an app that forgot it.
if (Environment.GetEnvironmentVariable("TESTAPP_NO_WORKER_ENTRY") is null)
{
    ChildProcess.RunWorkerIfRequested();
}

string mode = args.Length > 0 ? args[0] : "result";
switch (mode)
{
    case "result":
        // Prints a result computed in a child: proves that this kind of app can start children.
        try
        {
            using ChildProcess<int> child = ChildProcess.Start((int x) => x * 2, 21);
            Console.WriteLine($"result {child.Result} from {child.Name}");
        }
        catch (PlatformNotSupportedException e)
        {
            Console.WriteLine($"unsupported: {e.Message}");
            return 3;
        }

        break;

    case "orphan":
        // Starts a child that never ends, says its pid, then waits to be killed.
        StartSleeper(daemon: args.Length > 1 && args[1] == "daemon");
        Console.ReadLine();
        break;

    case "unhandled":
        StartSleeper(daemon: false);
        throw new InvalidOperationException("the parent dies of an unhandled exception");

    case "return":
        // Main returns with a daemon child that never ends and a non-daemon child that finishes by itself.
        StartSleeper(daemon: true);
        ChildProcess.Start(() => Console.WriteLine("non-daemon child finished"));
        Console.WriteLine("main returns");
        break;

    case "pool-exit":
        // Main returns with tasks submitted to open pools and never awaited: they still run (Python's executors are joined at exit).
        var threads = new ThreadWorkerPool(1);
        var processes = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        for (int i = 0; i < 3; i++)
        {
            _ = threads.Submit(static (int n) =>
            {
                Thread.Sleep(300);
                Console.WriteLine($"thread task {n} ran");
            }, i);
        }

        _ = processes.Submit(static () =>
        {
            Thread.Sleep(300);
            Console.WriteLine("process task ran");
        });
        Console.WriteLine("main returns");
        break;

    case "closure":
        // Issue #12's repro, in top-level code: every lambda of a scope shares one closure, and another lambda of this
        // one captures the pool; the work reads only n, so only n crosses.
        var closurePool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        int n = 41;
        Console.CancelKeyPress += (_, _) => closurePool.Terminate();
        Console.WriteLine($"apply {closurePool.Apply(() => n + 1)}");
        Console.WriteLine($"map {string.Join(",", closurePool.Map((int x) => x + n, [1, 2]))}");
        Console.WriteLine($"pool async {await closurePool.Submit(async () =>
        {
            await Task.Delay(10);
            return n;
        })}");
        using (ChildProcess<int> awaiting = ChildProcess.Start(async () =>
        {
            await Task.Delay(10);
            return n;
        }))
        {
            Console.WriteLine($"async {awaiting.Result}");
        }

        closurePool.Dispose();
        break;

    case "leave-nothing":
        // A pool, children, a manager, queues and a listener; waits to be killed (see LeaveNothing.cs).
        Multiprocessing.TestApp.LeaveNothing.Run();
        break;

    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}

return 0;

static void StartSleeper(bool daemon)
{
    ChildProcess child = ChildProcess.Start(() => Thread.Sleep(Timeout.Infinite), new ChildProcessOptions { Daemon = daemon });
    Console.WriteLine($"child {child.Pid}");
}
