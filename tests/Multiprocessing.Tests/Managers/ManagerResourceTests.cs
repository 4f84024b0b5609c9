using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>
/// The manager releases what a client no longer holds: a collected proxy's connection, a disposed
/// <see cref="Manager.Connect"/> object's connections; and its threads stay bounded whatever the number of
/// connections, authenticated or not. Measured in the manager's process (its threads in <c>/proc/&lt;pid&gt;/task</c>, its
/// descriptors in <c>/proc/&lt;pid&gt;/fd</c>).
/// </summary>
public sealed class ManagerResourceTests
{
    private const int Proxies = 400;

    /// <summary>What the bar allows above where the manager started.</summary>
    private const int Slack = 20;

    /// <summary>The threads the manager may have above its idle count while it serves hundreds of connections.</summary>
    internal const int Bound = 40;

    [Fact]
    public void UndisposedProxies_AreReleasedInTheManager_OnceCollected()
    {
        using var manager = Manager.Start();
        int pid = manager.Process!.Pid;
        WarmUp(manager);
        int threadsBefore = Threads(pid);
        int filesBefore = Files(pid);

        MakeAndDropProxies(manager, pid, threadsBefore);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        WaitUntil(manager.Process, () => Threads(pid) <= threadsBefore + Slack && Files(pid) <= filesBefore + Slack, () =>
            $"after {Proxies} proxies were collected, the manager has {Threads(pid)} threads (from {threadsBefore}) and {Files(pid)} descriptors (from {filesBefore})");
    }

    [Fact]
    public void DisposingAManagerConnectObject_ClosesTheConnectionsOfItsProxies()
    {
        using var manager = Manager.Start();
        int pid = manager.Process!.Pid;
        WarmUp(manager);
        int threadsBefore = Threads(pid);
        int filesBefore = Files(pid);

        var client = Manager.Connect(manager.Address, manager.AuthKey);
        var held = new List<ManagedList<int>>();
        for (int i = 0; i < 100; i++)
        {
            ManagedList<int> list = client.List<int>();
            list.Add(i);
            held.Add(list);
        }

        Assert.True(ManagerReferenceTests.Counts.Of(manager).Connections >= 100, "the manager does not serve the 100 proxies");
        Assert.True(Threads(pid) <= threadsBefore + Bound, $"the manager serves 100 connected proxies with {Threads(pid)} threads (from {threadsBefore})");
        client.Dispose();

        WaitUntil(manager.Process, () => Threads(pid) <= threadsBefore + Slack && Files(pid) <= filesBefore + Slack, () =>
            $"after the Manager.Connect object was disposed, the manager has {Threads(pid)} threads (from {threadsBefore}) and {Files(pid)} descriptors (from {filesBefore})");
        Assert.Throws<ObjectDisposedException>(() => held[0].Add(1));
        GC.KeepAlive(held);
    }

    [Fact]
    public void ConnectionsThatNeverAuthenticate_GetNoThreadEach_AndAGoodClientIsServedMeanwhile()
    {
        using var manager = Manager.Start();
        int pid = manager.Process!.Pid;
        WarmUp(manager);
        int threadsBefore = Threads(pid);

        var silent = new List<Socket>();
        try
        {
            for (int i = 0; i < 2000; i++)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                silent.Add(s);
                s.Connect(manager.Address);
            }

            // A good client connects and is served while the 2,000 say nothing.
            var clock = Stopwatch.StartNew();
            using (var client = Manager.Connect(manager.Address, manager.AuthKey))
            using (ManagedList<int> list = client.List<int>())
            {
                list.Add(41);
                Assert.Equal(41, list[0]);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"a good client took {clock.Elapsed.TotalSeconds:0.00} s among 2,000 silent connections");
            int threads = Threads(pid);
            Assert.True(threads < threadsBefore + 100, $"with 2,000 connections that never authenticated, the manager has {threads} threads (from {threadsBefore})");
        }
        finally
        {
            foreach (Socket s in silent)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>
    /// The audit of the manager's channels: each direction has one reader, and a request and its reply alternate, so
    /// large values both ways, on many connections at once, all get through (nobody is left writing to a reader that
    /// is itself blocked writing).
    /// </summary>
    [Fact]
    public async Task LargeValues_BothWays_OnManyProxiesAtOnce_AllGetThrough()
    {
        using var manager = Manager.Start();
        const int Size = 3 * 1024 * 1024; // more than a pipe's ring: both directions wait on their reader
        using ManagedDictionary<int, byte[]> dict = manager.Dictionary<int, byte[]>();
        using ManagedQueue<byte[]> queue = manager.Queue<byte[]>(maxSize: 2);
        using ManagedList<byte[]> list = manager.List<byte[]>();

        Task[] workers =
        [
            .. Enumerable.Range(0, 3).Select(w => Task.Run(() =>
            {
                using ManagedDictionary<int, byte[]> d = ManagedCopy(dict);
                for (int i = 0; i < 5; i++)
                {
                    d[w] = Filled(Size, (byte)(w + i));
                    Assert.True(d[w].AsSpan().IndexOfAnyExcept((byte)(w + i)) < 0);
                }
            })),
            Task.Run(() =>
            {
                using ManagedQueue<byte[]> q = ManagedCopy(queue);
                for (int i = 0; i < 6; i++)
                {
                    q.Put(Filled(Size, (byte)i));
                }
            }),
            Task.Run(() =>
            {
                using ManagedQueue<byte[]> q = ManagedCopy(queue);
                for (int i = 0; i < 6; i++)
                {
                    byte[] got = q.Get(Within.Deadline);
                    Assert.Equal(Size, got.Length);
                    Assert.True(got.AsSpan().IndexOfAnyExcept((byte)i) < 0);
                }
            }),
            Task.Run(() =>
            {
                using ManagedList<byte[]> l = ManagedCopy(list);
                for (int i = 0; i < 4; i++)
                {
                    l.Add(Filled(Size, 7));
                    Assert.Equal(Size, l[i].Length);
                }
            }),
        ];

        await Task.WhenAll(workers).WaitAsync(Within.Deadline); // a deadlock fails with a TimeoutException

    }

    /// <summary>A second proxy to the same object, with its own connection (as another thread or process would have).</summary>
    private static T ManagedCopy<T>(T proxy)
        where T : class, Multiprocessing.Sharing.ISharedObject<T> => T.Reopen(((Multiprocessing.Sharing.ISharedObject<T>)proxy).Descriptor);

    private static byte[] Filled(int size, byte value)
    {
        byte[] data = new byte[size];
        data.AsSpan().Fill(value);
        return data;
    }

    /// <summary>
    /// Creates <see cref="Proxies"/> proxies and connects each (one call); checks, while they are all still held,
    /// that the manager serves them (so that the test measures what it means to) with its threads bounded (no
    /// thread per connection); then drops them all unreferenced
    /// (they die with this frame, also in a Debug build).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MakeAndDropProxies(Manager manager, int pid, int threadsBefore)
    {
        var held = new List<ManagedList<int>>();
        for (int i = 0; i < Proxies; i++)
        {
            ManagedList<int> list = manager.List<int>();
            list.Add(i);
            held.Add(list);
        }

        Assert.True(ManagerReferenceTests.Counts.Of(manager).Connections >= Proxies, $"the manager does not serve the {Proxies} proxies");
        Assert.True(Threads(pid) <= threadsBefore + Bound, $"the manager serves {Proxies} connected proxies with {Threads(pid)} threads (from {threadsBefore})");
        GC.KeepAlive(held);
    }

    /// <summary>One proxy made and disposed: the manager's server has started its threads (acceptor, timers) before the count is taken.</summary>
    private static void WarmUp(Manager manager)
    {
        using ManagedList<int> list = manager.List<int>();
        list.Add(0);
    }

    internal static int Threads(int pid) => Directory.GetDirectories($"/proc/{pid}/task").Length;

    private static int Files(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>Polls <paramref name="done"/> until it holds, waiting on the manager's process between looks (it must not end); fails after 30 s.</summary>
    private static void WaitUntil(ChildProcess manager, Func<bool> done, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            Assert.False(manager.Join(TimeSpan.FromMilliseconds(50)), "the manager's process ended");
            if (clock.Elapsed > Within.Deadline)
            {
                Assert.Fail(describe());
            }
        }
    }
}
