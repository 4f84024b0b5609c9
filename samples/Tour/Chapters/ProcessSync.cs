using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程锁: multiprocessing has the thread-lock classes of threading, with the same names and
/// use (和多线程的 threading 模块中的锁名和用法是一样的). The thread chapters show them for threads with the BCL; this one
/// shows the library's, shared between processes: Semaphore, Event, Condition and Barrier.
/// </summary>
internal sealed class ProcessSync : IChapter
{
    /// <summary>The condition part's shared array: num, and 1 once the consumer waits.</summary>
    private const int Num = 0;

    private const int ConsumerWaits = 1;

    /// <summary>The seed's semaphore holder sleeps 1 s.</summary>
    private static readonly TimeSpan WorkTime = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    /// <summary>red_time = 5.</summary>
    private static readonly TimeSpan RedTime = TimeSpan.FromSeconds(5.0 / Say.TimeScale);

    public string Name => "process-sync";

    public string Title => "进程锁 › Semaphore, Event, Condition, Barrier (the thread-lock classes, shared between processes)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: a process holds the semaphore 0.1 s, the light stays red 0.5 s.");

        Say.Part("2）信号 Semaphore: BoundedSemaphore(2), five processes, two at a time");
        Semaphore();

        Say.Part("3）事件 Event: a traffic light in the parent, cars in child processes: red, then green");
        TrafficLight();

        Say.Part("4）条件 Condition: a child process waits (wait_for) for a value the parent produces");
        Condition();

        Say.Part("Barrier「阻碍」: Barrier(3, action), the parent and two children wait for each other");
        Barrier();

        Say.Note("the thread chapters bounded-semaphore, event-traffic-light and condition show the same for threads with the BCL. Any of these objects can be passed to ChildProcess.Start as an argument (or captured), and the child works on the same one; keep it open in the parent until the children are joined.");
    }

    /// <summary>A line for the chapter's timeline, said at a Stopwatch timestamp (the same clock in every process).</summary>
    private sealed record Seen(long At, string Text);

    private static void Semaphore()
    {
        const int runners = 5;

        // semaphore = BoundedSemaphore(2)
        using SharedSemaphore se = SharedSemaphore.CreateBounded(2);

        // The tour lines the five up before any asks for the semaphore, so that the batches do not depend on how
        // fast each process starts: they and the parent wait for each other at a barrier (the last part).
        using SharedBarrier lineUp = SharedBarrier.Create(runners + 1);
        var children = new List<ChildProcess<long>>();
        for (int n = 0; n < runners; n++)
        {
            children.Add(ChildProcess.Start(RunProcess, n, se, lineUp));
        }

        lineUp.Wait();
        long start = Stopwatch.GetTimestamp();
        double[] entered = [.. children.Select(p => Math.Max(0, Stopwatch.GetElapsedTime(start, p.Result).TotalSeconds))];
        foreach (ChildProcess p in children)
        {
            p.Dispose();
        }

        foreach (int n in Enumerable.Range(0, runners).OrderBy(n => entered[n]))
        {
            Console.WriteLine($"run the process: {n}  (+{Say.Seconds(entered[n])} s)");
        }

        IEnumerable<string> batches = entered
            .GroupBy(Say.Seconds)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} at +{g.Key} s");
        Console.WriteLine($"got in: {string.Join(", ", batches)}");
        Say.Note("each child returns when it got in (a Stopwatch timestamp, the same clock in every process), counted here from the moment all five were lined up; the parent prints them in that order. Two at a time, as SharedSemaphore.CreateBounded(2) allows; which two make up a batch is up to the scheduler.");
        Say.Note("SharedSemaphore.Create(n) is Semaphore(n), CreateBounded(n) BoundedSemaphore(n): a release past n throws SemaphoreFullException. using (se.Acquire()) { } is with se:. A semaphore has no owner, here as in Python: a permit held by a process that dies is not given back.");
    }

    // def run(n, se): se.acquire(); print("run the thread: %s" % n); time.sleep(1); se.release()
    private static long RunProcess(int n, SharedSemaphore se, SharedBarrier lineUp)
    {
        _ = n;
        lineUp.Wait();
        using (se.Acquire())
        {
            long entered = Stopwatch.GetTimestamp();
            Thread.Sleep(WorkTime);
            return entered;
        }
    }

    private static void TrafficLight()
    {
        // event = Event(): not set, a red light (默认是红灯).
        using SharedEvent light = SharedEvent.Create();

        // The tour turns green only once both cars have stopped at the red, so that what happens does not depend on
        // how fast each process starts: the parent and the two cars wait for each other at a barrier.
        using SharedBarrier bothStopped = SharedBarrier.Create(3);

        var timeline = new List<Seen> { new(Stopwatch.GetTimestamp(), "红灯亮...") };
        List<ChildProcess<Seen[]>> cars = [.. ((string[])["奔驰", "宝马"]).Select(name => ChildProcess.Start(Car, name, light, bothStopped))];
        Thread.Sleep(RedTime);
        bothStopped.Wait();
        timeline.Add(new Seen(Stopwatch.GetTimestamp(), "绿灯亮..."));
        light.Set();
        foreach (ChildProcess<Seen[]> car in cars)
        {
            timeline.AddRange(car.Result);
            car.Dispose();
        }

        // A third car comes while the light is green, and drives on.
        using (ChildProcess<Seen[]> late = ChildProcess.Start(Car, "奥迪", light, bothStopped))
        {
            timeline.AddRange(late.Result);
        }

        foreach (Seen seen in timeline.OrderBy(s => s.At))
        {
            Console.WriteLine(seen.Text);
        }

        Say.Note("one cycle, red then green: Set() let both waiting cars go at once (一次性放行所有), in their own processes. The cars return what they said, each line with the time they said it, and the parent prints the lines of all three processes in time order (printed by the cars themselves, they could reach the console out of order). The seed's light starts green and cycles for ever, its cars drive for ever; the tour's light starts red, as an Event does (默认是红灯), turns green once the red time is up and both cars have stopped, and each car passes once.");
        Say.Note("set()/clear()/wait()/is_set() are SharedEvent's Set()/Clear()/Wait()/IsSet; wait(timeout) is TryWait(timeout), which returns whether the flag is set.");
    }

    // def run(name): if event.is_set(): ... else: ... event.wait() ...  (once, not for ever)
    private static Seen[] Car(string name, SharedEvent light, SharedBarrier bothStopped)
    {
        var said = new List<Seen>();
        if (light.IsSet)  // 判断当前是否"放行"状态
        {
            said.Add(new Seen(Stopwatch.GetTimestamp(), $"一辆[{name}] 呼啸开过..."));
        }
        else
        {
            said.Add(new Seen(Stopwatch.GetTimestamp(), $"一辆[{name}]开来，看到红灯，无奈的停下了..."));
            bothStopped.Wait();
            light.Wait();
            said.Add(new Seen(Stopwatch.GetTimestamp(), $"[{name}] 看到绿灯亮了，瞬间飞起....."));
        }

        return [.. said];
    }

    private static void Condition()
    {
        const int target = 5;

        // con = Condition(): over a new SharedRLock, as Python's is over an RLock. num and the consumer's "I am
        // waiting" flag live in a shared array, and are read and written with the condition's lock held.
        using SharedCondition con = SharedCondition.Create();
        using SharedArray<int> shared = SharedArray.Create<int>(2);
        using ChildProcess<int> consumer = ChildProcess.Start(Consume, con, shared, target);

        // The tour produces once the consumer waits, so that it really has to: it says so, then waits, which
        // releases the lock; only then can the parent take the lock and see the flag.
        using (con.Acquire())
        {
            con.WaitFor(() => shared[ConsumerWaits] == 1);
        }

        Console.WriteLine($"{consumer.Name} waits for num == {target}");
        for (int i = 0; i < target; i++)
        {
            using (con.Acquire())
            {
                shared[Num] += 1;
                Console.WriteLine($"num当前为： {shared[Num]}");
                con.Notify();
            }
        }

        Console.WriteLine($"{consumer.Name}: con.WaitFor(() => num == {target}) returned, num = {consumer.Result}");
        Say.Note("WaitFor(predicate) is wait_for: it checks the predicate with the lock held and waits (releasing the lock) until a notify makes it true; here it woke up to five times and went back to sleep while num < 5. wait()/notify(n)/notify_all() are Wait()/Notify(n)/NotifyAll(), with the lock held, as in Python. The seed sleeps 1 s per step; the parent here does not need to.");
    }

    private static int Consume(SharedCondition con, SharedArray<int> shared, int target)
    {
        using (con.Acquire())
        {
            shared[ConsumerWaits] = 1;
            con.NotifyAll();
            con.WaitFor(() => shared[Num] == target);
            return shared[Num];
        }
    }

    private static void Barrier()
    {
        // barrier = Barrier(3, action=all_arrived): the action runs once, in the last party to arrive.
        using SharedBarrier barrier = SharedBarrier.Create(3, AllArrived);
        using ChildProcess<int> p1 = ChildProcess.Start(Arrive, barrier);
        using ChildProcess<int> p2 = ChildProcess.Start(Arrive, barrier);
        int mine = barrier.Wait();

        (string Name, int Index)[] arrivals = [(CurrentProcess.Name, mine), (p1.Name, p1.Result), (p2.Name, p2.Result)];
        foreach ((string name, int index) in arrivals.OrderBy(a => a.Index))
        {
            Console.WriteLine($"{name}: barrier.Wait() = {index}");
        }

        Say.Note("Wait() returns the arrival index, 0 to parties - 1, as wait() does; the last to arrive (index 2) runs the action before any party goes on. The action is encoded with the barrier, like a child's target, so it can run in any of the processes. A barrier breaks (BrokenBarrierException) on a timeout, Abort(), an action that throws, or when a waiting party's process dies.");
    }

    private static int Arrive(SharedBarrier barrier) => barrier.Wait();

    private static void AllArrived() => Console.WriteLine($"all 3 arrived: the action runs in {CurrentProcess.Name}");
}
