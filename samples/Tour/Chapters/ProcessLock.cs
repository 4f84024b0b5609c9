using System.Diagnostics;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程锁. Ten children take a shared RLock in turn, each counting a shared array down by one
/// and saying the new value: say hi 9 … say hi 0. Then what .NET adds: a lock whose holder dies is taken over, not
/// lost.
/// </summary>
internal sealed class ProcessLock : IChapter
{
    private const int Children = 10;

    /// <summary>The seed sleeps 1 s while it holds the lock.</summary>
    private static readonly TimeSpan WorkTime = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    public string Name => "process-lock";

    public string Title => "进程锁 (a process lock: ten processes take an RLock in turn and count a shared array down from 10)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: each process holds the lock 0.1 s.");
        SayHi();

        Say.Part("what .NET adds: a process dies holding the lock, and the next Acquire() takes it over");
        Abandoned();
    }

    /// <summary>What a child did under the lock: the value it printed, and when (a Stopwatch timestamp).</summary>
    private sealed record Said(int Value, long At);

    private static void SayHi()
    {
        // array = Array('i', 1); array[0] = 10; lock = RLock()
        using SharedArray<int> array = SharedArray.Create<int>(1);
        array[0] = 10;
        using SharedRLock lk = SharedRLock.Create();

        // for i in range(10): p = Process(target=func, args=(i, array, lock)); p.start()
        var children = new List<ChildProcess<Said>>();
        for (int i = 0; i < Children; i++)
        {
            children.Add(ChildProcess.Start(Func, i, array, lk));
        }

        // The children say their line by returning it; the parent prints them in the order they were said.
        // Stopwatch timestamps come from the OS's monotonic clock, the same in every process on the machine.
        List<Said> said = [.. children.Select(p => p.Result).OrderBy(s => s.At)];
        foreach (ChildProcess p in children)
        {
            p.Dispose();
        }

        foreach (Said s in said)
        {
            Console.WriteLine($"say hi {s.Value}  (+{Say.Seconds(Stopwatch.GetElapsedTime(said[0].At, s.At).TotalSeconds)} s)");
        }

        Console.WriteLine($"array[0] = {array[0]}");
        Say.Note("ten processes, ten lines: the seed's result shows only the first five. Each line comes at least 0.1 s after the one before (how long each process held the lock; longer while the next process was still starting), counted from the first; the values count down without a gap because the lock lets one process at a time decrement, sleep and read.");
        Say.Note("the children return the value and the time they said it, and the parent prints the lines in time order: lines a child prints itself reach the console through its own pipe, and those of different children could come out of order.");
        Say.Note("the seed's RLock is SharedRLock: lc.acquire()/lc.release() are Acquire()/Release(), and with lc: is using (lc.Acquire()) { }. Like Python's RLock, the thread that holds it may take it again, and only that thread may release it. SharedLock (Python's Lock) would do as well here: no process takes it twice.");
    }

    // def func(i, lis, lc): lc.acquire(); lis[0] = lis[0] - 1; time.sleep(1); print('say hi', lis[0]); lc.release()
    private static Said Func(int i, SharedArray<int> lis, SharedRLock lc)
    {
        _ = i;
        _ = lc.Acquire();  // the seed's acquire()/release() pair; the handle returned is for using
        lis[0] = lis[0] - 1;
        Thread.Sleep(WorkTime);
        var said = new Said(lis[0], Stopwatch.GetTimestamp());  // print('say hi', lis[0])
        lc.Release();
        return said;
    }

    private static void Abandoned()
    {
        using SharedArray<int> array = SharedArray.Create<int>([10]);
        using SharedRLock lk = SharedRLock.Create();
        using SharedEvent holding = SharedEvent.Create();

        using ChildProcess p = ChildProcess.Start(DieHoldingTheLock, array, lk, holding);
        holding.Wait();
        p.Kill();
        p.Join();
        Console.WriteLine($"{p.Name} took the lock, set array[0] = -1 half-way through an update, and was killed: ExitCode = {p.ExitCode}");

        using (LockHandle h = lk.Acquire())
        {
            Console.WriteLine($"lk.Acquire() in {CurrentProcess.Name} returns: WasAbandoned = {h.WasAbandoned}, array[0] = {array[0]}");
            if (h.WasAbandoned)
            {
                array[0] = 10;  // the tour's repair: put back the value from before the dead process's update
                Console.WriteLine($"repaired: array[0] = {array[0]}");
            }
        }

        Say.Note("Python's Lock and RLock are semaphores with no owner the system knows of: had a process died holding one, the next acquire() would wait for ever. The library's locks record the holder's pid; when it dies, even by SIGKILL, the next Acquire() takes the lock over and says so with WasAbandoned = true, because the data the lock guards may be half-updated. Check it and repair before trusting the data.");
    }

    private static void DieHoldingTheLock(SharedArray<int> lis, SharedRLock lc, SharedEvent holding)
    {
        _ = lc.Acquire();
        lis[0] = -1;  // half-way through an update
        holding.Set();
        Thread.Sleep(Timeout.Infinite);  // killed here, the lock still held
    }
}
