using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>A connection or a listener belongs to its process: passing one to a child fails in the caller, saying what to pass instead.</summary>
[Collection(SerialTests.Name)]
public sealed class CrossingTests
{
    private static ArgumentException StartFails(Func<ChildProcess> start)
    {
        HashSet<int> before = ProcessTree.ChildPids();
        ArgumentException e = Assert.Throws<ArgumentException>(() => start().Dispose());
        Assert.Equal(before, ProcessTree.ChildPids());
        return e;
    }

    [Fact]
    public void Connection_AsArgument_FailsInTheCallerWithAClearMessage()
    {
        using Listener listener = Listener.Create();
        (Connection accepted, Connection client) = Listeners.Pair(listener);
        using (accepted)
        using (client)
        {
            ArgumentException e = StartFails(() => ChildProcess.Start(static (Connection c) => c.Send(1), client));

            Assert.Contains("Multiprocessing.Connection", e.Message, StringComparison.Ordinal);
            Assert.Contains("belongs to this process", e.Message, StringComparison.Ordinal);
            Assert.Contains("Client.Connect", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("abstract", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Connection_Captured_FailsInTheCallerNamingTheVariable()
    {
        using Listener listener = Listener.Create();
        (Connection accepted, Connection client) = Listeners.Pair(listener);
        using (accepted)
        using (client)
        {
            ArgumentException e = StartFails(() => ChildProcess.Start(() => client.Send(1)));

            Assert.Contains("'client'", e.Message, StringComparison.Ordinal);
            Assert.Contains("belongs to this process", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Listener_AsArgument_FailsInTheCallerWithAClearMessage()
    {
        using Listener listener = Listener.Create();

        ArgumentException e = StartFails(() => ChildProcess.Start(static (Listener l) => l.Accept().Dispose(), listener));

        Assert.Contains("Multiprocessing.Listener", e.Message, StringComparison.Ordinal);
        Assert.Contains("belongs to this process", e.Message, StringComparison.Ordinal);
    }
}
