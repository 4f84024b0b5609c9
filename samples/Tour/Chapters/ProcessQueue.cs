using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程间数据共享 › 3）使用 queues 的 Queue 类共享数据. A queue holding 0 is passed to five
/// children; each takes one number and puts back its own. Then what CPython cannot do: join a child before its
/// items are read.
/// </summary>
internal sealed class ProcessQueue : IChapter
{
    public string Name => "process-queue";

    public string Title => "3）使用 queues 的 Queue 类共享数据 (sharing data with a Queue: five processes each take one item and put back their own number)";

    public void Run()
    {
        Say.Part("the seed's script: lis = Queue(20); lis.put(0); five processes run func(i, lis)");
        Seed();

        Say.Part("joining a child before reading what it put (CPython deadlocks here)");
        JoinBeforeDrain();

        Say.Part("a consumer loop that ends: CompleteAdding and ReadAllAsync");
        CompleteAdding();

        Say.Part("q.shutdown() (Python 3.13's queue.Queue): items put before are still taken, then Get throws");
        Shutdown();

        Say.Part("large byte arrays without a new array per item: GetInto and GetLease");
        LargeItems();
    }

    private static void Seed()
    {
        // lis = queues.Queue(20, ctx=multiprocessing); lis.put(0)
        using SharedQueue<int> lis = SharedQueue.Create<int>(maxSize: 20);
        lis.Put(0);
        var children = new List<ChildProcess>();
        for (int i = 0; i < 5; i++)
        {
            children.Add(ChildProcess.Start(Func, i, lis));
        }

        // The seed does not join; the tour does, so that the chapter ends with its output.
        foreach (ChildProcess p in children)
        {
            p.Join();
            p.Dispose();
        }

        Console.WriteLine($"left in the queue: {lis.Get()} (count now {lis.Count})");
        Say.Note("each process waits in Get until an item is there, so they pass the number along one at a time, in whatever order they reach the queue: the lines may come in another order than the seed's. SharedQueue.Create<int>(maxSize: 20) is Queue(20); the item type is declared (use object for mixed primitive values).");
    }

    // def func(i, q): ret = q.get(); print(...); q.put(i)
    private static void Func(int i, SharedQueue<int> q)
    {
        int ret = q.Get();
        Console.WriteLine($"进程 {i} 从队列里获取了一个 {ret}，然后又向队列里放入了一个 {i}");
        q.Put(i);
    }

    private static void JoinBeforeDrain()
    {
        using SharedQueue<string> q = SharedQueue.Create<string>();
        using ChildProcess child = ChildProcess.Start(Produce, q);
        child.Join(); // In CPython this waits for ever: the child's feeder thread cannot flush 10 000 items into a full pipe.
        Console.WriteLine($"the child exited with {child.ExitCode}; the queue holds {q.Count} items (10 MiB, more than its 4 MiB ring); the first is '{Label(q.Get())}', the last '{Label(q.GetConsumingEnumerable().Take(q.Count).Last())}'");
        Say.Note("a put copies the item into shared memory before it returns: no feeder thread, nothing left to flush at exit. The shared ring holds 4 MiB by default (SharedQueue.Create(capacity: ...)); when it is full and nobody is taking items, a put writes its item to an overflow file in /dev/shm instead of waiting, so the queue is unbounded as Python's (overflow: false makes the capacity a hard bound: a put then waits for room).");
    }

    // 10 000 items of about 1 KiB each.
    private static void Produce(SharedQueue<string> q)
    {
        string padding = new('.', 1024);
        for (int i = 0; i < 10_000; i++)
        {
            q.Put($"item {i}|{padding}");
        }
    }

    private static string Label(string item) => item.Split('|')[0];

    private static void CompleteAdding()
    {
        using SharedQueue<int> q = SharedQueue.Create<int>();
        using ChildProcess child = ChildProcess.Start(ProduceAndComplete, q);
        long sum = 0;
        int count = 0;
        foreach (int item in q.ReadAllAsync().ToBlockingEnumerable())
        {
            sum += item;
            count++;
        }

        child.Join();
        Console.WriteLine($"received {count} items, sum {sum}; the loop ended because the producer called CompleteAdding()");
        Say.Note("Python ends such loops with a sentinel item (None); CompleteAdding works for any number of consumers in any processes, like BlockingCollection and channels do.");
    }

    private static void Shutdown()
    {
        using SharedQueue<int> q = SharedQueue.Create<int>();
        using ChildProcess<string> child = ChildProcess.Start(ConsumeUntilShutDown, q);
        for (int i = 1; i <= 3; i++)
        {
            q.Put(i);
        }

        q.Shutdown();
        Console.WriteLine($"the child took {child.Result}");
        Say.Note("Shutdown() holds in every process: puts throw QueueShutDownException (Python's queue.ShutDown) at once, gets once the queue is empty, and a get or put asleep in any process wakes and throws it. Shutdown(immediate: true) drops the items still queued instead. multiprocessing.Queue has no shutdown; queue.Queue has since Python 3.13.");
    }

    private static void LargeItems()
    {
        const int items = 50, size = 1 << 20;
        using SharedQueue<byte[]> q = SharedQueue.Create<byte[]>();
        using ChildProcess child = ChildProcess.Start(ProduceLarge, q, items, size);
        long checksum = 0;
        byte[] buffer = new byte[size];
        for (int i = 0; i < items / 2; i++)
        {
            int length = q.GetInto(buffer); // into the caller's buffer
            checksum += buffer[length - 1];
        }

        for (int i = items / 2; i < items; i++)
        {
            using System.Buffers.IMemoryOwner<byte>? lease = q.GetLease(); // into a pooled array, back in the pool at Dispose
            checksum += lease!.Memory.Span[^1];
        }

        child.Join();
        Console.WriteLine($"took {items} items of {size >> 20} MiB: {items / 2} with GetInto(buffer), {items / 2} with GetLease(); checksum {checksum} (expected {(long)items * (size - 1 & 0xFF)})");
        Say.Note("a Get returns a new array per item, and on a VM a fresh megabyte costs more than copying into it (page faults, and a gen-2 collection every few arrays): about 3 GB/s here against 10-12 GB/s for GetInto and GetLease (bench W5). Get when the array must outlive the code that takes it, GetLease when each item is handled and dropped (dispose the lease), GetInto when one buffer of the largest item's size is at hand.");
    }

    private static void ProduceLarge(SharedQueue<byte[]> q, int items, int size)
    {
        byte[] item = new byte[size];
        for (int i = 0; i < size; i++)
        {
            item[i] = (byte)i;
        }

        for (int i = 0; i < items; i++)
        {
            q.Put(item);
        }
    }

    private static string ConsumeUntilShutDown(SharedQueue<int> q)
    {
        var got = new List<int>();
        try
        {
            while (true)
            {
                got.Add(q.Get());
            }
        }
        catch (QueueShutDownException)
        {
            return $"{string.Join(", ", got)}, then Get threw QueueShutDownException";
        }
    }

    private static void ProduceAndComplete(SharedQueue<int> q)
    {
        for (int i = 1; i <= 100; i++)
        {
            q.Put(i);
        }

        q.CompleteAdding();
    }
}
