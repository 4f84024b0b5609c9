using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multiprocessing.Managers;
using Multiprocessing.Sharing;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>
/// The manager counts references to its objects, as Python's managers do: an object lives while a proxy's
/// connection, a pin (a proxy on its way to another process) or its name holds it, and is dropped when the last
/// goes (a proxy disposed or collected, a client killed). Counted in the manager's process through its
/// diagnostic request (objects held, pins, connections, requests in progress), not timed.
/// </summary>
public sealed class ManagerReferenceTests
{
    [Fact]
    public void UndisposedProxies_TheirObjectsAreDropped_OnceCollected()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);

        MakeAndDropLists(manager, 200, before);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        WaitUntil(manager, c => c.Objects == before.Objects && c.Connections <= before.Connections, "after 200 proxies were collected");
    }

    [Fact]
    public void DisposedProxies_DropTheirObjects_ButANamedObjectStaysWithItsName_AndAConditionKeepsItsLock()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);

        ManagedQueue<int> queue = manager.Queue<int>();
        queue.Put(1);
        ManagedList<int> named = manager.List<int>("kept");
        named.Add(5);
        ManagedLock lk = manager.Lock();
        ManagedCondition condition = manager.Condition(lk);
        Assert.Equal(before.Objects + 4, Counts.Of(manager).Objects);

        queue.Dispose();
        named.Dispose();
        lk.Dispose(); // the condition still uses it
        WaitUntil(manager, c => c.Objects == before.Objects + 3, "after the queue's, the named list's and the lock's proxies were disposed");
        using (condition.Acquire(Within.Deadline))
        {
            condition.NotifyAll();
        }

        condition.Dispose(); // the condition goes, and its lock with it
        WaitUntil(manager, c => c.Objects == before.Objects + 1, "after the condition's proxy was disposed");

        using ManagedList<int> again = manager.List<int>("kept");
        Assert.Equal([5], again.ToArray());
    }

    /// <summary>
    /// The sender pins the object as it encodes the proxy, and drops its own proxy before the child has connected:
    /// the pin holds the object until the child's connection takes it over.
    /// </summary>
    [Fact]
    public void AProxySentToAChild_Works_ThoughTheSenderDroppedItsOwnBeforeTheChildConnected()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);
        ManagedQueue<int> queue = manager.Queue<int>();
        queue.Put(41);
        string descriptor = ((ISharedObject<ManagedQueue<int>>)queue).Descriptor;
        queue.Dispose();
        WaitUntil(manager, c => c.Connections <= before.Connections && c.Pins == 1 && c.Objects == before.Objects + 1, "after the sender disposed its proxy (the pin holds the queue)");

        using ChildProcess<int> child = ChildProcess.Start(
            static (string d) =>
            {
                using ManagedQueue<int> q = Reopen<ManagedQueue<int>>(d);
                return q.Get(Within.Deadline) + 1;
            },
            descriptor);
        Assert.Equal(42, child.ResultOrFail());

        WaitUntil(manager, c => c.Objects == before.Objects && c.Pins == 0, "after the child that took the pin over ended");
    }

    [Fact]
    public void AProxyPassedAsAChildsArgument_Works_ThoughTheParentDisposesItAtOnce()
    {
        using var manager = Manager.Start();
        ManagedQueue<int> queue = manager.Queue<int>();
        queue.Put(41);
        Counts before = Counts.Of(manager);
        using ChildProcess<int> child = ChildProcess.Start(static (ManagedQueue<int> q) => q.Get(Within.Deadline) + 1, queue);
        queue.Dispose();
        Assert.Equal(42, child.ResultOrFail());

        // The one pin the argument took was taken over by the child: nothing is left behind once it has ended.
        WaitUntil(manager, c => c.Objects == before.Objects - 1 && c.Pins == 0, "after the child ended");
    }

    /// <summary>A proxy captured by pool work crosses with each task: every pin is taken over by the worker that runs it.</summary>
    [Fact]
    public async Task AProxyCapturedByPoolWork_LeavesNoPinBehind()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);
        using (ManagedDictionary<int, int> squares = manager.Dictionary<int, int>())
        {
            using (var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 }))
            {
                int[] done = pool.Map(i => squares[i] = i * i, Enumerable.Range(0, 20), chunkSize: 3);
                Assert.Equal(20, done.Length);
                Assert.Equal(20, await pool.Submit(() => squares.Count).WaitAsync(Within.Deadline));
            }

            Assert.Equal(20, squares.Count);
        }

        WaitUntil(manager, c => c.Objects == before.Objects && c.Pins == 0, "after the pool and the proxy were disposed");
    }

    [Fact]
    public void AProxyWhoseObjectWasDropped_ThrowsAClearError()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);
        ManagedQueue<int> queue = manager.Queue<int>();
        string descriptor = ((ISharedObject<ManagedQueue<int>>)queue).Descriptor;
        ManagedQueue<int> first = Reopen<ManagedQueue<int>>(descriptor); // takes the pin over
        queue.Dispose();
        first.Dispose();
        WaitUntil(manager, c => c.Objects == before.Objects && c.Pins == 0, "after both proxies were disposed");

        using ManagedQueue<int> late = Reopen<ManagedQueue<int>>(descriptor); // the same descriptor again: its pin is taken
        RemoteException e = Assert.Throws<RemoteException>(() => late.Count);
        Assert.Contains("no longer holds object", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A client killed while it holds a lock and waits for ever in the manager (a queue's get, a lock and a semaphore
    /// that never come): its waits end, its connections close, and its objects are dropped.
    /// </summary>
    [Fact]
    public void AKilledClient_ItsObjectsAreDropped_EvenWhileItWaitsForEverInTheManager()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);
        using ChildProcess child = ChildProcess.Start(
            static (string address, byte[] key) =>
            {
                var client = Manager.Connect(ManagerAddress.Parse(address), key);
                ManagedQueue<int> queue = client.Queue<int>();
                ManagedLock held = client.Lock();
                ManagedSemaphore none = client.Semaphore(0);
                held.Acquire();
                ManagedLock again = Reopen<ManagedLock>(((ISharedObject<ManagedLock>)held).Descriptor);
                new Thread(() => again.Acquire()) { IsBackground = true }.Start();
                new Thread(() => none.Acquire()) { IsBackground = true }.Start();
                queue.Get(); // for ever
            },
            ManagerAddress.Format(manager.Address),
            manager.AuthKey);

        WaitUntil(manager, c => c.Objects == before.Objects + 3 && c.Requests == 3, "while the client waits in the manager", child);
        child.Kill();
        child.JoinOrFail();

        WaitUntil(manager, c => c.Objects == before.Objects && c.Connections <= before.Connections && c.Requests == 0, "after the client was killed");
    }

    /// <summary>
    /// A client killed while its queue Get waits in the manager takes no item with it: the item put right after its
    /// death goes to the next getter (the manager's wait, woken by the put, took the item for the dead client and
    /// replied into its closed connection).
    /// </summary>
    [Fact]
    public void AKilledClientsGet_TakesNoItemPutAfterItsDeath()
    {
        using var manager = Manager.Start();
        using ManagedQueue<int> queue = manager.Queue<int>();
        for (int round = 0; round < 5; round++)
        {
            using ChildProcess child = ChildProcess.Start(static (ManagedQueue<int> q) => q.Get(), queue);
            WaitUntil(manager, c => c.Requests == 1, "while the child waits in Get", child);
            child.Kill();
            child.JoinOrFail();
            queue.Put(round);

            Assert.True(queue.TryGet(out int got, Within.Deadline), $"round {round}: the item put after the getter died was lost");
            Assert.Equal(round, got);
        }
    }

    /// <summary>A proxy whose barrier wait was cancelled drops its connection: the new one holds the barrier before the old one lets it go.</summary>
    [Fact]
    public async Task ABarrierWaitCancelled_KeepsTheBarrier_ForTheProxysNextCalls()
    {
        using var manager = Manager.Start();
        Counts before = Counts.Of(manager);
        using ManagedBarrier barrier = manager.Barrier(2);
        using var cancel = new CancellationTokenSource();
        Task<int> waiting = Task.Run(() => barrier.Wait(null, cancel.Token));
        WaitUntil(manager, c => c.Requests == 1, "while the barrier waits");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));

        // Once the manager has seen the abandoned connection end, the barrier must still be there, held by the new one.
        WaitUntil(manager, c => c.Requests == 0 && c.Connections <= before.Connections + 1, "after the abandoned connection ended");
        Assert.Equal(before.Objects + 1, Counts.Of(manager).Objects);
        Assert.Equal(2, barrier.Parties);
    }

    private static T Reopen<T>(string descriptor)
        where T : class, ISharedObject<T> => T.Reopen(descriptor);

    /// <summary>Makes <paramref name="n"/> lists of 16 KiB each, checks that the manager holds them, and drops them unreferenced (they die with this frame).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MakeAndDropLists(Manager manager, int n, Counts before)
    {
        var held = new List<ManagedList<byte[]>>();
        for (int i = 0; i < n; i++)
        {
            ManagedList<byte[]> list = manager.List<byte[]>();
            list.Add(new byte[16 * 1024]);
            held.Add(list);
        }

        Assert.Equal(before.Objects + n, Counts.Of(manager).Objects);
        GC.KeepAlive(held);
    }

    /// <summary>Polls the manager's counts until <paramref name="done"/> holds; fails after 30 s, or if the manager's process (or <paramref name="client"/>) ends.</summary>
    private static void WaitUntil(Manager manager, Func<Counts, bool> done, string when, ChildProcess? client = null)
    {
        var clock = Stopwatch.StartNew();
        Counts now;
        while (!done(now = Counts.Of(manager)))
        {
            Assert.False(manager.Process!.Join(TimeSpan.FromMilliseconds(20)), "the manager's process ended");
            Assert.False(client is { IsAlive: false }, $"the client ended: exit code {client?.ExitCode}, {client?.Exception}");
            if (clock.Elapsed > Within.Deadline)
            {
                Assert.Fail($"{when}, the manager holds {now}");
            }
        }
    }

    /// <summary>The manager's diagnostic counts (<see cref="ManagerOp.Diagnostics"/>), asked on a connection of their own.</summary>
    internal readonly record struct Counts(int Objects, int Pins, int Connections, int Requests)
    {
        /// <summary>The counts now; the connection that asks is not counted.</summary>
        public static Counts Of(Manager manager)
        {
            using var channel = new ManagerChannel(manager.Address, manager.AuthKey);
            return channel.Call<byte, Counts>(
                ManagerOp.Diagnostics, 0, 0, null, static (reply, _) => new Counts(reply.ReadInt32(), reply.ReadInt32(), reply.ReadInt32() - 1, reply.ReadInt32()));
        }
    }
}
