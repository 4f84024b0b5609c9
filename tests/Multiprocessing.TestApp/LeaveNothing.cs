using Multiprocessing;

namespace Multiprocessing.TestApp;

/// <summary>
/// The "leave-nothing" mode: a parent with everything that leaves something behind if nobody cleans up after it —
/// a process pool, a child holding a queue, a manager with objects, queues (one with items in overflow files) and a
/// listener — that says which /dev/shm files it holds, then waits to be killed.
/// </summary>
internal static class LeaveNothing
{
    public static void Run()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        if (pool.Apply(static (int x) => x + 1, 1) != 2)
        {
            throw new InvalidOperationException("the pool computed a wrong result");
        }

        SharedQueue<byte[]> queue = SharedQueue.Create<byte[]>();
        SharedQueue<byte[]> overflowing = SharedQueue.Create<byte[]>(capacity: 64 * 1024);
        for (int i = 0; i < 8; i++)
        {
            overflowing.Put(new byte[48 * 1024]); // nobody reads: most go to overflow files
        }

        SharedEvent ready = SharedEvent.Create();
        ChildProcess child = ChildProcess.Start(static (SharedQueue<byte[]> q, SharedEvent e) =>
        {
            q.Put([1, 2, 3]);
            e.Set();
            Thread.Sleep(Timeout.Infinite);
        }, queue, ready);
        if (!ready.TryWait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("the child did not start");
        }

        Manager manager = Manager.Start();
        ManagedDictionary<string, int> dictionary = manager.Dictionary<string, int>();
        dictionary["answer"] = 42;
        ManagedQueue<string> managedQueue = manager.Queue<string>();
        managedQueue.Put("item");

        Listener listener = Listener.Create(authKey: [1, 2, 3]);

        foreach (string file in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target = new FileInfo(file).LinkTarget;
            if (target is not null && target.StartsWith("/dev/shm/", StringComparison.Ordinal))
            {
                Console.WriteLine($"shm {target}");
            }
        }

        Console.WriteLine($"listener {listener.Address}");
        Console.WriteLine($"child {child.Pid}");
        Console.WriteLine("ready");
        Console.ReadLine();
        GC.KeepAlive(new object[] { queue, overflowing, child, manager, listener });
    }
}
