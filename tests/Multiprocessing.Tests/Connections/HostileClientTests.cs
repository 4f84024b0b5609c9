using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>
/// A client that is not one of ours — random bytes, an oversized first frame, silence, a hang-up — is closed by the
/// listener's background acceptor and never returned by Accept, which returns the next good client (in a child
/// process) as if nothing had happened, without waiting for the bad one's handshake to time out.
/// </summary>
public sealed class HostileClientTests
{
    /// <summary>Long enough for a good client on a busy machine, short enough for a test that waits it out.</summary>
    private static readonly ConnectionOptions QuickHandshake = new() { HandshakeTimeout = TimeSpan.FromSeconds(3) };

    private static void NextGoodClientWorks(Listener listener, byte[] key) =>
        GoodClientIsAccepted(listener, key, Task.Run(listener.Accept));

    /// <summary>A good client, in a child, connects; <paramref name="accept"/>, a call already waiting, returns it.</summary>
    private static void GoodClientIsAccepted(Listener listener, byte[] key, Task<Connection> accept)
    {
        using ChildProcess<string> friend = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), key);
        using Connection conn = accept.ResultWithin();
        Assert.Equal("hello", conn.Receive<string>());
        Assert.Equal("connected", friend.ResultOrFail());
    }

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void RandomBytes_AreClosedByTheListener_AndAcceptReturnsTheNextGoodClient(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        Task<Connection> accept = Task.Run(listener.Accept);
        for (int i = 0; i < 20; i++)
        {
            // Whatever the first four bytes claim, what follows is not a handshake: refused at once, no timeout.
            using Socket raw = RawPeer.Connect(listener.Address);
            raw.Send(RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(1, 4096) + 132));
            RawPeer.AssertClosedByListener(raw);
        }

        Assert.False(accept.IsCompleted, "Accept returned a connection that did not authenticate");
        GoodClientIsAccepted(listener, key, accept);
    }

    [Fact]
    public void FramedGarbage_IsClosedByTheListener()
    {
        byte[] key = Listeners.Key(9);
        using Listener listener = Listener.Create(key);
        Task<Connection> accept = Task.Run(listener.Accept);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            RawPeer.SendFrame(raw, RandomNumberGenerator.GetBytes(50));
            RawPeer.AssertClosedByListener(raw);
        }

        Assert.False(accept.IsCompleted, "Accept returned a connection that did not authenticate");
        GoodClientIsAccepted(listener, key, accept);
    }

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void HttpRequest_IsClosedByTheListener_AndTheListenerGoesOn(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        Task<Connection> accept = Task.Run(listener.Accept);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            raw.Send(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
            RawPeer.AssertClosedByListener(raw);
        }

        Assert.False(accept.IsCompleted, "Accept returned a connection that did not authenticate");
        GoodClientIsAccepted(listener, key, accept);
    }

    [Fact]
    public void OversizedFirstFrame_IsClosedByTheListener_WithoutWaitingForTheRest()
    {
        byte[] key = Listeners.Key(4);
        using Listener listener = Listener.Create(key);
        Task<Connection> accept = Task.Run(listener.Accept);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            byte[] header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, 1 << 30); // claims 1 GiB, sends nothing more
            raw.Send(header);
            RawPeer.AssertClosedByListener(raw); // at once: the 10 s handshake timeout is not waited for
        }

        Assert.False(accept.IsCompleted, "Accept returned a connection that did not authenticate");
        GoodClientIsAccepted(listener, key, accept);
    }

    [Fact]
    public void SilentClient_DoesNotDelayAGoodOne_AndIsClosedWithTheListener()
    {
        byte[] key = Listeners.Key(8);

        // A timeout no good client's start-up comes near: the silent one is still pending when the good one is accepted.
        using Listener listener = Listener.Create(key, new ConnectionOptions { HandshakeTimeout = Within.Deadline });
        using Socket raw = RawPeer.Connect(listener.Address);
        NextGoodClientWorks(listener, key);
        Assert.Equal(1, listener.PendingHandshakes);

        // Closing the listener aborts the handshakes under way: the silent client sees its end after the hello.
        listener.Dispose();
        _ = RawPeer.ReceiveFrame(raw);
        RawPeer.AssertClosedByListener(raw);
    }

    [Fact]
    public async Task SilentClient_DoesNotDelayAcceptAsync_AndIsClosedAfterTheHandshakeTimeout()
    {
        byte[] key = Listeners.Key(8);
        using Listener listener = Listener.CreateTcp(0, key, QuickHandshake);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using Socket raw = RawPeer.Connect(listener.Address);
        Task<Connection> accept = listener.AcceptAsyncWithin();
        using ChildProcess<string> friend = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), key);
        await using Connection conn = await accept;
        Assert.Equal("hello", await conn.ReceiveAsync<string>());
        Assert.Equal("connected", friend.ResultOrFail());

        RawPeer.AssertClosedByListener(raw);
        // Timers may fire a millisecond early: what matters is that it was not closed long before its time.
        Assert.True(clock.Elapsed >= QuickHandshake.HandshakeTimeout * 0.9, $"the silent client was closed after {clock.Elapsed}, before its handshake timeout");
    }

    [Fact]
    public async Task ClientOfABusyListener_WaitsBeyondItsHandshakeTimeout_UntilItIsAccepted()
    {
        // Python's pattern: one client at a time; the next one waits in the backlog until the listener gets to it.
        // Its handshake timeout is short, but not so short that the handshake itself could miss it on a busy machine.
        var impatient = new ConnectionOptions { HandshakeTimeout = TimeSpan.FromSeconds(1) };
        using Listener listener = Listener.Create(Listeners.Key(2));
        Task<Connection> sync = Task.Run(() => Client.Connect(listener.Address, Listeners.Key(2), impatient));
        Task<Connection> viaAsync = Client.ConnectAsync(listener.Address, Listeners.Key(2), impatient).AsTask();
        await Task.WhenAny(sync, viaAsync, Task.Delay(3 * impatient.HandshakeTimeout));
        Assert.False(sync.IsCompleted, $"Connect gave up: {sync.Exception?.InnerException?.Message}");
        Assert.False(viaAsync.IsCompleted, $"ConnectAsync gave up: {viaAsync.Exception?.InnerException?.Message}");

        using Connection first = listener.AcceptWithin();
        using Connection second = listener.AcceptWithin();
        using Connection a = await sync.WaitAsync(Within.Deadline);
        using Connection b = await viaAsync.WaitAsync(Within.Deadline);
        a.Send(1);
        b.Send(2);
        Assert.Equal(3, first.Receive<int>() + second.Receive<int>());
    }

    [Fact]
    public async Task ListenerThatStallsMidHandshake_ClientTimesOut()
    {
        // A "listener" that says hello and then nothing: the client's clock runs from the hello.
        using var temp = new TempDirectory();
        string path = temp.NewPath("stall");
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.Listen();
        Task<Connection> connect = Task.Run(() => Client.Connect(new UnixDomainSocketEndPoint(path), Listeners.Key(1), QuickHandshake));
        using Socket peer = await server.AcceptAsync().WaitAsync(Within.Deadline);
        RawPeer.SendFrame(peer, [.. "MPNC"u8, 1, 1, .. RandomNumberGenerator.GetBytes(32)]);

        TimeoutException e = await Assert.ThrowsAsync<TimeoutException>(() => connect.WaitAsync(Within.Deadline));
        Assert.Contains("the listener at " + path, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ClientThatHangsUp_IsNotReturned_AndTheNextGoodClientIs()
    {
        byte[] key = Listeners.Key(6);
        using Listener listener = Listener.Create(key);
        RawPeer.Connect(listener.Address).Dispose();
        NextGoodClientWorks(listener, key);
    }

    [Fact]
    public void ClientThatHangsUpAfterTheHello_IsNotReturned_AndTheNextGoodClientIs()
    {
        byte[] key = Listeners.Key(6);
        using Listener listener = Listener.Create(key);
        Task<Connection> accept = Task.Run(listener.Accept);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            _ = RawPeer.ReceiveFrame(raw);
        }

        using ChildProcess<string> friend = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), key);
        using Connection conn = accept.ResultWithin();
        Assert.Equal("hello", conn.Receive<string>());
        Assert.Equal("connected", friend.ResultOrFail());
    }

    [Fact]
    public async Task ClientThatIsNotOurs_ListenerThatIsNotOurs_ConnectFailsWithInvalidData()
    {
        // The other way round: a client that reaches some other server (here one that greets with a banner).
        using var temp = new TempDirectory();
        string path = temp.NewPath("banner");
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.Listen();
        Task greet = Task.Run(() =>
        {
            using Socket s = server.Accept();
            s.Send(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.6\r\n"));
            try
            {
                _ = s.Receive(new byte[1]); // until the client hangs up
            }
            catch (SocketException)
            {
            }
        });

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Client.Connect(new UnixDomainSocketEndPoint(path), Listeners.Key(1)));
        Assert.Contains("the listener at " + path, e.Message, StringComparison.OrdinalIgnoreCase);
        await greet.WaitAsync(Within.Deadline);
    }
}
