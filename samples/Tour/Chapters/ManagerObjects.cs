using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Beyond the seed's <c>Manager().dict()</c>: the other objects Python's manager serves, each used by child
/// processes through a proxy. A condition (a producer and a consumer), a barrier of three processes, an array
/// filled by children (the seed's <c>Array('i', ...)</c>, held by the manager), a joinable queue with worker
/// children, then locks, a semaphore, an event, a value, a list and a namespace in a few lines each.
/// </summary>
internal sealed class ManagerObjects : IChapter
{
    public string Name => "manager-objects";

    public string Title => "Manager 的其他对象 (the manager's other objects: Condition, Barrier, Array, JoinableQueue, Lock, Semaphore, Event, Value, Namespace)";

    public void Run()
    {
        using Manager manager = Manager.Start();

        Say.Part("manager.Condition(): a consumer child waits for items that the parent produces");
        ConditionProducerConsumer(manager);

        Say.Part("manager.Barrier(3): three processes meet");
        BarrierOfThree(manager);

        Say.Part("manager.Array('i', ...): children write the elements");
        ArrayFilledByChildren(manager);

        Say.Part("manager.JoinableQueue(): two worker children, queue.join() in the parent");
        JoinableQueueWorkers(manager);

        Say.Part("manager.Lock() (and its locked()), RLock(), Semaphore(), Event(), Value(), list(), Namespace() in brief");
        TheRest(manager);
    }

    private static void ConditionProducerConsumer(Manager manager)
    {
        using ManagedCondition cond = manager.Condition();
        using ManagedList<int> items = manager.List<int>();
        using ChildProcess consumer = ChildProcess.Start(Consume, cond, items);
        for (int i = 1; i <= 5; i++)
        {
            using (cond.Acquire()) // with cond:
            {
                items.Add(i);
                cond.Notify(); // cond.notify()
            }
        }

        consumer.Join();
        Say.Note("the consumer's cond.WaitFor (Python's wait_for) releases the lock in the manager while it waits and holds it again when it checks. Holding is per proxy, as in Python's manager; a process that dies holding the lock has it released, and one that dies waiting is dropped from the waiters.");
    }

    private static void Consume(ManagedCondition cond, ManagedList<int> items)
    {
        for (int taken = 0; taken < 5; taken++)
        {
            int item;
            using (cond.Acquire())
            {
                cond.WaitFor(() => items.Count > 0); // cond.wait_for(lambda: len(items) > 0)
                item = items.Pop(0);
            }

            Console.WriteLine($"consumer got {item}");
        }
    }

    private static void BarrierOfThree(Manager manager)
    {
        using ManagedBarrier barrier = manager.Barrier(3);

        // Each child's output reaches the parent through its own pipe, so lines of different children may be
        // printed in another order than they were written: the parties log to a managed list, whose order is the
        // order of the appends, and the parent prints it.
        using ManagedList<string> log = manager.List<string>();
        var parties = new List<ChildProcess>();
        for (int i = 0; i < 3; i++)
        {
            parties.Add(ChildProcess.Start(static (ManagedBarrier b, ManagedList<string> log) =>
            {
                log.Add($"{CurrentProcess.Name} arrives");
                int index = b.Wait(); // index = barrier.wait()
                log.Add($"{CurrentProcess.Name} passed with index {index}");
            }, barrier, log));
        }

        parties.ForEach(p => p.Join());
        parties.ForEach(p => p.Dispose());
        foreach (string line in log.Snapshot())
        {
            Console.WriteLine(line);
        }

        // A party that dies while it waits breaks the barrier, instead of leaving the others waiting for ever.
        using ManagedBarrier three = manager.Barrier(3);
        using ChildProcess doomed = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(), three);
        using ChildProcess survivor = ChildProcess.Start(static (ManagedBarrier b) =>
        {
            try
            {
                b.Wait();
            }
            catch (BrokenBarrierException)
            {
                Console.WriteLine($"{CurrentProcess.Name}: another party was killed while it waited, so Wait threw BrokenBarrierException");
            }
        }, three);
        while (three.WaitingCount < 2) // barrier.n_waiting
        {
            Thread.Sleep(10);
        }

        doomed.Kill();
        survivor.Join();
        Say.Note("every 'arrives' comes before any 'passed' (the parties logged to a managed list: its order is the order things happened). A timeout, Abort() or Reset() also break the barrier (Python's BrokenBarrierError); Reset() mends it.");
    }

    private static void ArrayFilledByChildren(Manager manager)
    {
        // temp = manager.Array('i', [1]); five processes do temp[0] += 100, atomically in the manager
        using ManagedArray<int> temp = manager.Array([1]);
        var adders = Enumerable.Range(0, 5).Select(_ => ChildProcess.Start(static (ManagedArray<int> t) => t.Increment(0, 100), temp)).ToList();
        adders.ForEach(p => p.Join());
        adders.ForEach(p => p.Dispose());
        Console.WriteLine($"temp[0] = {temp[0]}");

        // a = manager.Array('i', 5); child i sets a[i] = i * i
        using ManagedArray<int> a = manager.Array<int>(5);
        var writers = Enumerable.Range(0, 5).Select(i => ChildProcess.Start(static (ManagedArray<int> arr, int k) => arr[k] = k * k, a, i)).ToList();
        writers.ForEach(p => p.Join());
        writers.ForEach(p => p.Dispose());
        Console.WriteLine($"a[:] = [{string.Join(", ", a.ToArray())}]");
        Say.Note("the elements live in the manager's process as bytes; each access is one request. SharedArray (the process-array chapter) keeps them in shared memory instead, much faster, without a server.");
    }

    private static void JoinableQueueWorkers(Manager manager)
    {
        using ManagedJoinableQueue<int> jobs = manager.JoinableQueue<int>();
        using ManagedList<int> results = manager.List<int>();
        using ChildProcess w1 = ChildProcess.Start(Work, jobs, results);
        using ChildProcess w2 = ChildProcess.Start(Work, jobs, results);
        for (int i = 1; i <= 6; i++)
        {
            jobs.Put(i);
        }

        jobs.Join(); // queue.join(): until every job is marked done
        Console.WriteLine($"all 6 jobs done: [{string.Join(", ", results.Snapshot().Order())}]");
        jobs.Put(-1); // one stop sign per worker
        jobs.Put(-1);
        w1.Join();
        w2.Join();
        Say.Note("a worker calls TaskDone() (task_done) after each job; calling it more often than items were put throws InvalidOperationException (Python's ValueError).");
    }

    private static void Work(ManagedJoinableQueue<int> jobs, ManagedList<int> results)
    {
        while (true)
        {
            int job = jobs.Get();
            if (job < 0)
            {
                jobs.TaskDone();
                return;
            }

            results.Add(job * job);
            jobs.TaskDone();
        }
    }

    private static void TheRest(Manager manager)
    {
        // Lock and Value: a read-modify-write from two processes, under the lock
        using ManagedLock lk = manager.Lock();
        using ManagedValue<int> counter = manager.Value(0);
        using ManagedEvent go = manager.Event();
        using ManagedNamespace ns = manager.Namespace();
        var children = Enumerable.Range(0, 2).Select(_ => ChildProcess.Start(AddUnderLock, lk, counter, go, ns)).ToList();
        go.Set(); // event.set(): the children wait for it before they begin
        children.ForEach(p => p.Join());
        children.ForEach(p => p.Dispose());
        Console.WriteLine($"counter.value = {counter.Value}, ns.finished = {ns.Get<long>("finished")}");
        using (lk.Acquire())
        {
            Console.WriteLine($"lk.locked() while held: {lk.IsLocked}"); // any holder, in any process
        }

        Console.WriteLine($"lk.locked() once released: {lk.IsLocked}");

        // RLock: the proxy that holds it may take it again
        using ManagedLock rlock = manager.RLock();
        using (rlock.Acquire())
        using (rlock.Acquire())
        {
            Console.WriteLine("RLock acquired twice by the same proxy");
        }

        // Semaphore(2): a third permit is not there until one is given back
        using ManagedSemaphore sem = manager.Semaphore(2);
        using (sem.Acquire())
        using (sem.Acquire())
        {
            Console.WriteLine($"Semaphore(2) with two permits taken: a third TryAcquire() gives {sem.TryAcquire()}");
        }

        Say.Note("each proxy is one connection to the manager, passed to children as an argument; the dictionary and its atomic operations are in the process-manager chapter.");
    }

    private static void AddUnderLock(ManagedLock lk, ManagedValue<int> counter, ManagedEvent go, ManagedNamespace ns)
    {
        go.Wait(); // event.wait()
        for (int i = 0; i < 100; i++)
        {
            using (lk.Acquire()) // with lock: counter.value += 1
            {
                counter.Value += 1;
            }
        }

        ns.Increment("finished"); // ns.finished += 1, in one step
    }
}
