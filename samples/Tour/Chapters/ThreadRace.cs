namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 线程锁, and 1）互斥锁 Lock. Two threads add 1 to a shared number a million times each:
/// without a lock some additions are lost; joining the first thread before starting the second, a lock around the
/// loop, or <c>Interlocked.Increment</c> gives exactly 2,000,000.
/// </summary>
internal sealed class ThreadRace : IChapter
{
    private const int Times = 1_000_000;
    private const int Expected = 2 * Times;

    // number = 0
    private static int number;

    public string Name => "thread-race";

    public string Title => "线程锁 › 1）互斥锁 Lock (two threads add to one number: lost updates, join, lock, Interlocked)";

    public void Run()
    {
        Say.Part("不加锁 (the seed's first script: both threads at once, no lock)");
        Unprotected();

        Say.Part("t1.join() before t2.start() (the seed's second script: the threads one after the other)");
        OneAfterTheOther();

        Say.Part("1）互斥锁 Lock (the seed's third script: a lock around each thread's loop)");
        WithLock();

        Say.Part("Interlocked.Increment (.NET's lock-free option: each addition is atomic)");
        WithInterlocked();

        Say.Part("RLock (可重入锁): .NET's locks are already re-entrant");
        Reentrant();
    }

    /// <summary>Runs <paramref name="plus"/> on Thread-1 and Thread-2, at once or one after the other, and prints the result.</summary>
    private static void TwoThreads(ThreadStart plus, bool oneAfterTheOther)
    {
        number = 0;

        // A million additions take a .NET thread a few milliseconds, about what it takes to start the other one, so
        // two threads started one after the other barely overlap. When they are to run at once, the tour lines them
        // up first: each waits at the barrier until both have started.
        using Barrier? bothStarted = oneAfterTheOther ? null : new Barrier(2);
        ThreadStart body = () =>
        {
            bothStarted?.SignalAndWait();
            plus();
        };
        var t1 = new Thread(body) { Name = "Thread-1" };
        var t2 = new Thread(body) { Name = "Thread-2" };
        t1.Start();
        if (oneAfterTheOther)
        {
            t1.Join();  // 添加这一行就让两个子线程变成了顺序执行
        }

        t2.Start();
        t1.Join();
        t2.Join();
        Console.WriteLine($"主线程执行完毕后，number = {number}");
    }

    private static void PrintDone() => Console.WriteLine($"子线程{Thread.CurrentThread.Name}运算结束后，number = {number}");

    // def plus(): global number; for _ in range(1000000): number += 1
    private static void Plus()
    {
        for (int i = 0; i < Times; i++)
        {
            number += 1;
        }

        PrintDone();
    }

    private static void Unprotected()
    {
        TwoThreads(Plus, oneAfterTheOther: false);
        if (number == Expected)
        {
            Say.Note("this run happened to reach exactly 2000000: the two threads did not really run at the same time (on a busy machine they may take turns on one core, and a switch seldom falls between the read and the write). The race is still there; run the chapter again.");
        }
        else
        {
            Say.Note($"{Expected - number} additions were lost: number += 1 is a read, an add and a write, and the other thread wrote in between. Each run loses a different number.");
        }
    }

    private static void OneAfterTheOther()
    {
        TwoThreads(Plus, oneAfterTheOther: true);
        Say.Note("exactly 2000000, but only one thread ever runs: 因噎废食.");
    }

    private static void WithLock()
    {
        // lock = threading.Lock(), passed to plus as its argument
        var numberLock = new Lock();
        TwoThreads(() => PlusLocked(numberLock), oneAfterTheOther: false);
        Say.Note("the seed sleeps 2 s in the main thread 'to make sure both threads are done'; the tour joins them.");
        Say.Note("C#'s lock statement on a System.Threading.Lock calls EnterScope() and leaves the scope in a finally: the lock is released even if the loop throws (see with-lock).");
    }

    // def plus(lk): lk.acquire(); ...; lk.release()
    private static void PlusLocked(Lock lk)
    {
        lock (lk)
        {
            for (int i = 0; i < Times; i++)
            {
                number += 1;
            }

            PrintDone();
        }
    }

    private static void WithInterlocked()
    {
        TwoThreads(PlusInterlocked, oneAfterTheOther: false);
        Say.Note("no lock: both threads run their loops at the same time (so the first line shows the other thread's additions too), and no addition is lost. Python has no such atomic add for a plain int.");
    }

    private static void PlusInterlocked()
    {
        for (int i = 0; i < Times; i++)
        {
            Interlocked.Increment(ref number);
        }

        PrintDone();
    }

    private static void Reentrant()
    {
        var rlock = new Lock();
        lock (rlock)
        {
            lock (rlock)  // rlock.acquire() a second time, in the same thread
            {
                Console.WriteLine($"the same thread took the lock twice: IsHeldByCurrentThread = {rlock.IsHeldByCurrentThread}");
            }

            Console.WriteLine($"released once, still held: IsHeldByCurrentThread = {rlock.IsHeldByCurrentThread}");
        }

        Console.WriteLine($"released twice, free: IsHeldByCurrentThread = {rlock.IsHeldByCurrentThread}");
        Say.Note("both of .NET's locks, lock on any object (Monitor) and System.Threading.Lock, are re-entrant, like Python's RLock: the owner may take it again, and must release it as often. Python's Lock would deadlock here. .NET has no non-re-entrant lock as such; SemaphoreSlim(1, 1) comes closest (any thread may release it).");
    }
}
