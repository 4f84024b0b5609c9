using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A manager process holds dictionaries; proxies in this process and in children work on the same one.</summary>
public sealed class ManagerTests
{
    /// <summary>The seed's example: ten processes each set an entry of <c>Manager().dict()</c>.</summary>
    [Fact]
    public void TenChildren_EachSetsAnEntry_ParentSeesAllTen()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<int, int> d = manager.Dictionary<int, int>();

        var children = new List<ChildProcess>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                children.Add(ChildProcess.Start(static (int n, ManagedDictionary<int, int> dic) => dic[n] = 100 + n, i, d));
            }

            foreach (ChildProcess child in children)
            {
                child.JoinOrFail();
                Assert.Equal(0, child.ExitCode);
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }

        Assert.Equal(10, d.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => new KeyValuePair<int, int>(i, 100 + i)), d.OrderBy(e => e.Key));
    }

    [Fact]
    public void TwoChildren_Increment1000TimesEach_TotalIsExact()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, int> d = manager.Dictionary<string, int>();

        using ChildProcess a = ChildProcess.Start(IncrementThousandTimes, d);
        using ChildProcess b = ChildProcess.Start(IncrementThousandTimes, d);
        a.JoinOrFail();
        b.JoinOrFail();

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        Assert.Equal(2000, d["total"]);
    }

    [Fact]
    public void ChildWithCapturedProxy_CompareAndSetLoop_LosesNoUpdate()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, long> d = manager.Dictionary<string, long>();
        d["n"] = 0;

        using ChildProcess a = ChildProcess.Start(() => CasIncrement(d, 300));
        using ChildProcess b = ChildProcess.Start(() => CasIncrement(d, 300));
        a.JoinOrFail();
        b.JoinOrFail();

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        Assert.Equal(600, d["n"]);
    }

    [Fact]
    public void OneProxy_UsedByFourThreads_TheirCallsTakeTurns()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, int> d = manager.Dictionary<string, int>();

        Within.Returns(
            () => Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            {
                for (int i = 0; i < 250; i++)
                {
                    d.Increment("total");
                    d[$"thread{t}"] = i;
                }
            }),
            "four threads on one proxy");

        Assert.Equal(1000, d["total"]);
        Assert.All(Enumerable.Range(0, 4), t => Assert.Equal(249, d[$"thread{t}"]));
    }

    [Fact]
    public void DictionaryOperations_BehaveAsIDictionary()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, Point> d = manager.Dictionary<string, Point>();

        d["a"] = new Point(1, 2);
        d.Add("b", new Point(3, 4));
        Assert.Throws<ArgumentException>(() => d.Add("b", new Point(0, 0)));
        Assert.False(d.TryAdd("a", new Point(9, 9)));
        Assert.True(d.TryAdd("c", new Point(5, 6)));
        Assert.Equal(new Point(1, 2), d.GetOrAdd("a", new Point(9, 9)));
        Assert.Equal(new Point(7, 8), d.GetOrAdd("d", new Point(7, 8)));
        Assert.True(d.TryUpdate("a", new Point(10, 20), new Point(1, 2)));
        Assert.False(d.TryUpdate("a", new Point(0, 0), new Point(1, 2)));
        Assert.Equal(new Point(10, 20), d["a"]);
        Assert.Throws<KeyNotFoundException>(() => d["zzz"]);
        Assert.True(d.ContainsKey("c"));
        Assert.True(d.TryRemove("c", out Point? removed));
        Assert.Equal(new Point(5, 6), removed);
        Assert.False(d.Remove("c"));
        Assert.True(((ICollection<KeyValuePair<string, Point>>)d).Remove(new("d", new Point(7, 8))));
        Assert.Equal(["a", "b"], d.Keys.Order());
        Assert.Equal(2, d.Values.Count);
        Assert.Equal(2, d.Count);
        d.Clear();
        Assert.Empty(d);
    }

    [Fact]
    public void OperationThatThrowsInTheManager_ReachesTheCallerAsRemoteException()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, string> d = manager.Dictionary<string, string>();
        d["word"] = "hello";

        RemoteException e = Assert.Throws<RemoteException>(() => d.Increment("word"));

        Assert.Equal(typeof(InvalidOperationException).FullName, e.RemoteType);
        Assert.Contains("integer", e.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(manager.Process!.Pid, e.ProcessId);
        Assert.False(string.IsNullOrEmpty(e.RemoteStackTrace));
        Assert.Equal("hello", d["word"]); // the connection is still good
    }

    [Fact]
    public void ManagerKilled_NextCallFailsPromptly_WithManagerUnavailableException()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<int, int> d = manager.Dictionary<int, int>();
        d[1] = 1;

        manager.Process!.Kill();
        manager.Process.JoinOrFail();

        Within.Returns(
            () =>
            {
                ManagerUnavailableException e = Assert.Throws<ManagerUnavailableException>(() => d[1] = 2);
                Assert.Contains("cannot be reached", e.Message, StringComparison.Ordinal);
                Assert.Throws<ManagerUnavailableException>(() => d.Count);
                Assert.Throws<ManagerUnavailableException>(() => manager.Dictionary<int, int>());
            },
            "a call to a dead manager");
    }

    [Fact]
    public void WrongKey_IsRefusedWithAuthenticationException_AndTheManagerGoesOn()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<int, int> d = manager.Dictionary<int, int>();

        Assert.Throws<AuthenticationException>(() => Manager.Connect(manager.Address, RandomNumberGenerator.GetBytes(32)));

        using Manager again = Manager.Connect(manager.Address, manager.AuthKey);
        using ManagedDictionary<int, int> other = again.Dictionary<int, int>();
        other[1] = 2;
        d[1] = 3;
        Assert.Equal(2, other[1]);
        Assert.Equal(3, d[1]);
    }

    [Fact]
    public void ClientsWithoutTheKey_SendingJunkOrNothing_AreClosed_AndTheManagerGoesOn()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<int, int> d = manager.Dictionary<int, int>();
        d[1] = 1;

        // One sends random bytes instead of the handshake; one sends a huge frame length; one says nothing and leaves.
        byte[][] openings = [RandomNumberGenerator.GetBytes(4096), [0xff, 0xff, 0xff, 0x7f, 1, 2, 3], []];
        foreach (byte[] opening in openings)
        {
            using var raw = new System.Net.Sockets.Socket(manager.Address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            raw.Connect(manager.Address);
            raw.ReceiveTimeout = (int)Within.Deadline.TotalMilliseconds;
            if (opening.Length > 0)
            {
                raw.Send(opening);
                raw.Shutdown(System.Net.Sockets.SocketShutdown.Send);

                // The manager closes this connection: reading ends (after at most its challenge) instead of hanging.
                byte[] sink = new byte[8192];
                int total = 0;
                try
                {
                    int n;
                    while ((n = raw.Receive(sink)) > 0)
                    {
                        total += n;
                        Assert.True(total < 1024, "the manager sent more than a challenge to a client without the key");
                    }
                }
                catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
                {
                    // Closed with our junk unread: a reset, which is a close too (a timeout would be another error).
                }
            }
        }

        // The manager still serves the clients that have the key, old and new.
        d[1] = 2;
        using Manager again = Manager.Connect(manager.Address, manager.AuthKey);
        using ManagedDictionary<int, int> other = again.Dictionary<int, int>();
        other[5] = 6;
        Assert.Equal(2, d[1]);
        Assert.Equal(6, other[5]);
    }

    [Fact]
    public void ClientKilledWhileCalling_DoesNotDisturbAnotherClient()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, int> d = manager.Dictionary<string, int>();
        using SharedEvent looping = SharedEvent.Create();

        using ChildProcess victim = ChildProcess.Start(static (ManagedDictionary<string, int> dic, SharedEvent started) =>
        {
            dic.Increment("victim");
            started.Set();
            while (true)
            {
                dic.Increment("victim");
            }
        }, d, looping);
        Assert.True(looping.TryWait(Within.Deadline), "the looping child did not start");
        using ChildProcess worker = ChildProcess.Start(IncrementThousandTimes, d);
        victim.Kill();
        victim.JoinOrFail();
        worker.JoinOrFail();

        Assert.Equal(0, worker.ExitCode);
        Assert.Equal(1000, d["total"]);
        Assert.True(d["victim"] >= 1);
    }

    [Fact]
    public void ManagerOnLoopbackTcp_ProxyCrossesToChild()
    {
        using Manager manager = Manager.Start(new ManagerOptions { Address = new IPEndPoint(IPAddress.Loopback, 0) });
        Assert.IsType<IPEndPoint>(manager.Address);
        using ManagedDictionary<string, string> d = manager.Dictionary<string, string>();

        using ChildProcess child = ChildProcess.Start(static (ManagedDictionary<string, string> dic) => dic["from"] = CurrentProcess.Name, d);
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(child.Name, d["from"]);
    }

    [Fact]
    public void Dispose_StopsTheManagerProcess()
    {
        Manager manager = Manager.Start();
        ChildProcess process = manager.Process!;
        Assert.True(process.IsAlive);

        manager.Dispose();

        Assert.NotNull(process.ExitCode); // it has exited (IsAlive throws once the manager has disposed it)
        Assert.Throws<ManagerUnavailableException>(() => Manager.Connect(manager.Address, manager.AuthKey));
    }

    [Fact]
    public async Task AwaitUsing_StopsTheManagerProcess()
    {
        ChildProcess process;
        await using (Manager manager = Manager.Start())
        {
            process = manager.Process!;
            using ManagedDictionary<int, int> d = manager.Dictionary<int, int>();
            d[1] = 1;
        }

        Assert.NotNull(process.ExitCode);
    }

    private static void IncrementThousandTimes(ManagedDictionary<string, int> d)
    {
        for (int i = 0; i < 1000; i++)
        {
            d.Increment("total");
        }
    }

    private static void CasIncrement(ManagedDictionary<string, long> d, int times)
    {
        for (int i = 0; i < times; i++)
        {
            long seen;
            do
            {
                seen = d["n"];
            }
            while (!d.TryUpdate("n", seen + 1, seen));
        }
    }
}

/// <summary>A record value, encoded field by field.</summary>
internal sealed record Point(int X, int Y);
