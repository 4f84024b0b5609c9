using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Not in the seed: what Dask's dashboard and Celery's Flower give Python users, served by the pool's own process.
/// A mixed workload (fast tasks, slow tasks, one that fails, one whose worker is killed) runs for about 20 seconds
/// while <c>Dashboard.Start()</c> serves the page; open the printed URL to watch it. <c>TOUR_DASHBOARD_SECONDS</c>
/// sets another length (the whole tour's test runs it shorter, so that the tour stays within its time).
/// </summary>
internal sealed class DashboardChapter : IChapter
{
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("TOUR_DASHBOARD_SECONDS"), out int s) && s > 0 ? s : 20);

    public string Name => "dashboard";

    public string Title => "(no seed section) a live dashboard of pools, workers and tasks, as Dask's and Flower's";

    public void Run()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 3, Name = "tour-dashboard" });
        using SharedQueue<string> jobs = SharedQueue.Create<string>(name: null);
        using SharedValue<int> slowPid = SharedValue.Create(0);
        using Dashboard dash = Dashboard.Start();
        Console.WriteLine($"dashboard: {dash.Url}");
        Say.Note("the page is served by this process on 127.0.0.1 only, behind the random token in its URL; it prints nothing itself.");

        for (int i = 0; i < 100; i++)
        {
            jobs.Put($"job {i}"); // something for the page's queue table
        }

        var tasks = new List<Task<int>>();
        Task<int>? failing = null;
        Task<int>? killed = null;
        var clock = Stopwatch.StartNew();
        TimeSpan nextSlow = TimeSpan.Zero;
        // Until the time is up and the worker has been killed (on a loaded machine its task may start late).
        while (clock.Elapsed < Length || (slowPid.Value >= 0 && killed?.IsCompleted != true))
        {
            for (int i = 0; i < 8; i++)
            {
                tasks.Add(pool.Submit(Fast, i));
            }

            if (clock.Elapsed >= nextSlow)
            {
                tasks.Add(pool.Submit(Slow, 1500));
                nextSlow += TimeSpan.FromSeconds(2);
            }

            if (failing is null && clock.Elapsed >= Length * 0.15)
            {
                failing = pool.Submit(Fails, 3);
            }

            if (killed is null && clock.Elapsed >= Length * 0.4)
            {
                killed = pool.Submit(SlowAndTellPid, slowPid);
            }

            if (killed is not null && slowPid.Value is int pid and > 0 && !killed.IsCompleted && pool.KillWorker(pid))
            {
                Console.WriteLine(Say.Invariant($"killed worker {pid} in the middle of its task, at {Say.Seconds(clock.Elapsed.TotalSeconds)} s"));
                slowPid.Value = -1;
            }

            Thread.Sleep(200); // the pace of the workload, so that the page has something to draw for 20 s
        }

        Task.WhenAll(tasks).GetAwaiter().GetResult();
        Console.WriteLine($"{tasks.Count} fast and slow tasks finished");
        Console.WriteLine($"the failing task: {Outcome(failing!)}");
        Console.WriteLine($"the killed task: {Outcome(killed!)}");
        PoolCounters c = pool.Counters;
        Console.WriteLine($"pool counters: completed {c.Completed}, failed {c.Failed}, workers started {c.WorkersStarted} (one replaced the killed worker)");
        Say.Note("the page shows each pool's workers by state, tasks pending/running/completed/failed, tasks a second, p50/p95; a worker table (pid, task, RSS, CPU, restarts, last exit); a task stream; queues; recent failures with their remote stack traces; and buttons to kill a worker or cancel a waiting task. GET /api/state gives the same as JSON.");
    }

    private static string Outcome(Task<int> task)
    {
        try
        {
            task.GetAwaiter().GetResult();
            return "succeeded";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }

    private static int Fast(int x)
    {
        Thread.Sleep(20);
        return x;
    }

    private static int Slow(int ms)
    {
        Thread.Sleep(ms);
        return ms;
    }

    private static int Fails(int x) => throw new InvalidOperationException($"task {x} fails on purpose, to show on the page");

    private static int SlowAndTellPid(SharedValue<int> pid)
    {
        pid.Value = Environment.ProcessId;
        Thread.Sleep(TimeSpan.FromSeconds(30)); // killed long before
        return 0;
    }
}
