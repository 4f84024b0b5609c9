using System.Net;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A manager served by any process, reached by address and key, its objects found by name.</summary>
public sealed class ServeTests
{
    [Fact]
    public void ServeOnLoopbackTcp_ChildrenConnectWithTheKey_AndShareANamedDictionary()
    {
        using Manager server = Manager.Serve(new ManagerOptions { Address = new IPEndPoint(IPAddress.Loopback, 0) });
        Assert.Null(server.Process);
        int port = ((IPEndPoint)server.Address).Port;

        using ChildProcess a = ChildProcess.Start(AddToScores, port, server.AuthKey);
        using ChildProcess b = ChildProcess.Start(AddToScores, port, server.AuthKey);
        a.JoinOrFail();
        b.JoinOrFail();

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        using ManagedDictionary<string, int> scores = server.Dictionary<string, int>("scores");
        Assert.Equal(200, scores["total"]);
    }

    [Fact]
    public void StartedManager_NamedDictionary_IsTheSameForEveryConnection()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, string> first = manager.Dictionary<string, string>("config");
        first["mode"] = "fast";

        using Manager other = Manager.Connect(manager.Address, manager.AuthKey);
        using ManagedDictionary<string, string> second = other.Dictionary<string, string>("config");
        using ManagedDictionary<string, string> unnamed = other.Dictionary<string, string>();

        Assert.Equal("fast", second["mode"]);
        Assert.Empty(unnamed);
    }

    private static void AddToScores(int port, byte[] key)
    {
        using Manager manager = Manager.Connect(new IPEndPoint(IPAddress.Loopback, port), key);
        using ManagedDictionary<string, int> scores = manager.Dictionary<string, int>("scores");
        for (int i = 0; i < 100; i++)
        {
            scores.Increment("total");
        }
    }
}
