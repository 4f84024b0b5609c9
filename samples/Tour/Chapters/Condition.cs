namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 线程锁 › 4）条件 Condition. Thread A counts up to 5, thread B down to 0; at either end
/// the one counting notifies the other and waits. In .NET a condition is <c>lock</c> with
/// <c>Monitor.Wait</c>/<c>Monitor.Pulse</c>.
/// </summary>
internal sealed class Condition : IChapter
{
    /// <summary>The seed sleeps 1 s after each step.</summary>
    private static readonly TimeSpan StepTime = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    /// <summary>The seed counts forever; the tour stops once each thread has paused this many times.</summary>
    private const int PausesEach = 2;

    // con = threading.Condition(): in .NET, any object used with lock has a lock and a wait queue.
    private static readonly object Con = new();

    // num = 0; and the tour's own bookkeeping, all guarded by Con
    private static int num;
    private static int pauses;
    private static bool stopped;

    public string Name => "condition";

    public string Title => "4）条件 Condition (threads A and B count between 0 and 5, taking turns with notify and wait)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: 0.1 s a step. The seed runs forever (如果不强制停止，程序会一直循环执行下去); the tour stops once each thread has paused {PausesEach} times.");
        num = 0;
        pauses = 0;
        stopped = false;

        // The seed starts B right after A and counts on A taking the lock first; had B taken it, num would go
        // below 0 and never meet 0 or 5 again. The tour starts B once A holds the lock.
        using var aHoldsTheLock = new ManualResetEventSlim();
        var a = new Thread(() => Foo("add", aHoldsTheLock)) { Name = "线程A" };
        var b = new Thread(() => Foo("reduce", null)) { Name = "线程B" };
        a.Start();
        aHoldsTheLock.Wait();
        b.Start();
        a.Join();
        b.Join();

        Say.Note("con.acquire()/release() is lock (con) { }; con.wait() is Monitor.Wait(con), which releases the lock while it waits and takes it back before it returns; con.notify() is Monitor.Pulse(con) and notify_all() Monitor.PulseAll(con). They work with lock on a plain object (Monitor), not with System.Threading.Lock, which has no wait queue.");
        Say.Note("Monitor has no wait_for(predicate): write the while loop around Monitor.Wait yourself. Nor notify(n): Pulse wakes one, PulseAll all. The library's SharedCondition has both, across processes too (see process-sync).");
    }

    // class Foo(threading.Thread): def run(self): ...
    private static void Foo(string action, ManualResetEventSlim? holdsTheLock)
    {
        string name = Thread.CurrentThread.Name!;
        int step = action switch
        {
            "add" => 1,
            "reduce" => -1,
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "add or reduce"),  // exit(1)
        };

        lock (Con)  // con.acquire()
        {
            holdsTheLock?.Set();
            Console.WriteLine($"{name}开始执行...");
            while (true)
            {
                num += step;
                Console.WriteLine($"num当前为： {num}");
                Thread.Sleep(StepTime);
                if (num == 5 || num == 0)
                {
                    Console.WriteLine($"暂停执行{name}！");
                    Monitor.Pulse(Con);  // con.notify()
                    if (++pauses == 2 * PausesEach)
                    {
                        // The tour's end: the last to pause tells the other, which is waiting, to stop too.
                        stopped = true;
                        return;  // leaving the lock releases it: con.release()
                    }

                    Monitor.Wait(Con);  // con.wait()
                    if (stopped)
                    {
                        return;
                    }

                    Console.WriteLine($"{name}开始执行...");
                }
            }
        }
    }
}
