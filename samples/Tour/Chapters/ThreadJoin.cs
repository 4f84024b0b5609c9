using System.Diagnostics;
using System.Globalization;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 让主线程等待子线程. Without join the main thread goes on while its thread still waits; with
/// <c>Join()</c> it blocks until the thread is done; <c>Join(TimeSpan)</c> gives up after a while; background
/// (daemon) threads do not keep the process alive.
/// </summary>
internal sealed class ThreadJoin : IChapter
{
    /// <summary>The seed's do_waiting sleeps 3 s.</summary>
    private static readonly TimeSpan WaitingTime = TimeSpan.FromSeconds(3.0 / Say.TimeScale);

    /// <summary>The seed's daemon threads sleep 2 s.</summary>
    private static readonly TimeSpan WorkTime = TimeSpan.FromSeconds(2.0 / Say.TimeScale);

    public string Name => "thread-join";

    public string Title => "让主线程等待子线程 (making the main thread wait: join, join with a timeout, daemon threads)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: do_waiting sleeps 0.3 s, the daemon threads 0.2 s; so the times show tenths of a second.");
        Say.Note("the seed sleeps 1 s in the main thread 'to make sure the thread has started' (确保线程t已经启动); the tour waits for an event the thread sets instead.");

        Say.Part("不用 join (the seed's first script: the main thread goes on)");
        WithoutJoin();

        Say.Part("join() (the seed's second script: the main thread blocks until t is done)");
        WithJoin();

        Say.Part("join(timeout): Join(TimeSpan) says whether the thread is done");
        WithTimeout();

        Say.Part("setDaemon(True) (the seed's third script: background threads)");
        Daemons();
    }

    /// <summary>time.strftime('%H:%M:%S'), with tenths, since the tour's sleeps are tenths of the seed's.</summary>
    private static string Now() => DateTime.Now.ToString("HH:mm:ss.f", CultureInfo.InvariantCulture);

    // def do_waiting(): ...  Also says when it has started, for the main thread to wait on.
    private static void DoWaiting(ManualResetEventSlim started)
    {
        Console.WriteLine($"start waiting: {Now()}");
        started.Set();
        Thread.Sleep(WaitingTime);
        Console.WriteLine($"stop waiting {Now()}");
    }

    private static void WithoutJoin()
    {
        using var started = new ManualResetEventSlim();
        var t = new Thread(() => DoWaiting(started));
        t.Start();
        started.Wait();  // 确保线程t已经启动
        Console.WriteLine("start job");
        Console.WriteLine("end job");
        Console.WriteLine($"t.IsAlive = {t.IsAlive}: the main thread is done, t is still waiting");

        // Here the seed's main thread ends, and Python waits for t before the process exits.
        t.Join();
        Say.Note("t is a foreground thread (IsBackground = false, the default): .NET, like Python, waits for every foreground thread before the process exits. The tour runs more chapters after this one, so it does not rely on that: it joins t here, which is why 'stop waiting' comes before this note.");
    }

    private static void WithJoin()
    {
        using var started = new ManualResetEventSlim();
        var t = new Thread(() => DoWaiting(started));
        t.Start();
        started.Wait();  // 确保线程t已经启动
        Console.WriteLine("start join");
        t.Join();  // 将一直堵塞，直到t运行结束。
        Console.WriteLine("end join");
    }

    private static void WithTimeout()
    {
        using var started = new ManualResetEventSlim();
        var t = new Thread(() => DoWaiting(started));
        t.Start();
        started.Wait();

        var waited = Stopwatch.StartNew();
        bool done = t.Join(TimeSpan.FromSeconds(0.1));
        Console.WriteLine(Say.Invariant($"t.Join(0.1 s) = {done} after {waited.Elapsed.TotalSeconds:F1} s, t.IsAlive = {t.IsAlive}"));
        waited.Restart();
        done = t.Join(TimeSpan.FromSeconds(1));
        Console.WriteLine(Say.Invariant($"t.Join(1 s) = {done} after {waited.Elapsed.TotalSeconds:F1} s, t.IsAlive = {t.IsAlive}"));
        Say.Note("Python's join(timeout) returns None either way (call is_alive() to know); .NET's Join(TimeSpan) returns whether the thread has ended, and returns as soon as it has.");
    }

    private static void Daemons()
    {
        // The end of the process, as far as these threads know: set when the seed's process would exit.
        using var processExit = new ManualResetEventSlim();
        using var started = new CountdownEvent(3);
        var threads = new List<Thread>();
        for (int i = 0; i < 3; i++)
        {
            // t.setDaemon(True): IsBackground = true. Python wants it before start(); .NET takes it at any time.
            var t = new Thread(() => Work(started, processExit)) { Name = $"Thread-{i + 1}", IsBackground = true };
            t.Start();
            threads.Add(t);
        }

        started.Wait();  // the seed sleeps 1 s here, while its threads sleep 2 s
        Console.WriteLine("主线程结束了！");
        Console.WriteLine(1 + threads.Count(t => t.IsAlive));  // threading.active_count()
        int osThreads;
        using (Process self = Process.GetCurrentProcess())
        {
            osThreads = self.Threads.Count;
        }

        // The seed's process exits here and takes its daemon threads with it, mid-sleep.
        processExit.Set();
        foreach (Thread t in threads)
        {
            t.Join();
        }

        Say.Note($".NET has no threading.active_count(): the line above is 1 (this main thread) + the three threads still alive, as Python counts. The OS saw {osThreads} threads in this process at that moment, the runtime's own included.");
        Say.Note("background threads (IsBackground = true, Python's daemon) are not waited for: when the last foreground thread ends, the process exits and they stop wherever they are, without running their finally blocks. So 子线程工作完毕 never prints. The tour does not end its process here; it sets an event that stands for the exit, the threads return without their last line, and the tour joins them.");
    }

    // def run(): ...  time.sleep(2), cut short when the process "exits".
    private static void Work(CountdownEvent started, ManualResetEventSlim processExit)
    {
        Console.WriteLine($"{Thread.CurrentThread.Name} 开始工作");
        started.Signal();
        if (!processExit.Wait(WorkTime))
        {
            Console.WriteLine("子线程工作完毕");
        }
    }
}
