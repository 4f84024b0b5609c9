namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 通过 with 语句使用线程锁. <c>with some_lock:</c> is C#'s <c>lock</c> statement (or
/// <c>using (someLock.EnterScope())</c>): the lock is released however the block ends, an exception included.
/// </summary>
internal sealed class WithLock : IChapter
{
    public string Name => "with-lock";

    public string Title => "通过 with 语句使用线程锁 (with some_lock: is the lock statement; an exception inside still releases the lock)";

    public void Run()
    {
        var someLock = new Lock();

        Say.Part("with some_lock: ⇔ lock (someLock) { } ⇔ using (someLock.EnterScope()) { }");
        lock (someLock)
        {
            Console.WriteLine($"inside lock (someLock) {{ }}: held = {someLock.IsHeldByCurrentThread}");
        }

        using (someLock.EnterScope())
        {
            Console.WriteLine($"inside using (someLock.EnterScope()) {{ }}: held = {someLock.IsHeldByCurrentThread}");
        }

        // some_lock.acquire(); try: ... finally: some_lock.release()
        someLock.Enter();
        try
        {
            Console.WriteLine($"inside Enter(); try {{ }} finally {{ Exit(); }}: held = {someLock.IsHeldByCurrentThread}");
        }
        finally
        {
            someLock.Exit();
        }

        Console.WriteLine($"after all three: held = {someLock.IsHeldByCurrentThread}");
        Say.Note("the three are the same: lock on a System.Threading.Lock compiles to using (EnterScope()), which is Enter() with Exit() in a finally, the seed's acquire/try/finally. lock on any other object does the same with Monitor.Enter/Monitor.Exit.");

        Say.Part("an exception inside lock { }: the lock is released on the way out");
        try
        {
            lock (someLock)
            {
                DoTheTask();
            }
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"caught: {e.Message}");
        }

        Console.WriteLine($"another thread, right after: someLock.TryEnter() = {AnotherThreadTryEnter(someLock)}");

        Say.Part("an exception between acquire() and release(), without with: the lock stays held");
        try
        {
            someLock.Enter();  // some_lock.acquire()
            DoTheTask();
            someLock.Exit();   // some_lock.release(): never reached
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"caught: {e.Message}");
        }

        Console.WriteLine($"another thread, right after: someLock.TryEnter() = {AnotherThreadTryEnter(someLock)}");
        someLock.Exit();
        Console.WriteLine($"once the main thread has called Exit(), another thread: someLock.TryEnter() = {AnotherThreadTryEnter(someLock)}");
        Say.Note("没有正常的释放锁，那么其他的线程会造到致命性的影响: a thread that waited with Enter() instead of TryEnter() would wait forever. Only the thread that holds a Lock may Exit() it; here the main thread can, because it took it.");
    }

    // 执行任务... and something goes wrong.
    private static void DoTheTask() => throw new InvalidOperationException("执行任务时出错");

    /// <summary>Whether another thread can take the lock at once (it gives it back if it can).</summary>
    private static bool AnotherThreadTryEnter(Lock someLock)
    {
        bool took = false;
        var t = new Thread(() =>
        {
            took = someLock.TryEnter();
            if (took)
            {
                someLock.Exit();
            }
        });
        t.Start();
        t.Join();
        return took;
    }
}
