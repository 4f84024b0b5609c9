using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.ConnectionTests;

/// <summary>
/// A client that is not one of ours — random bytes, an oversized first frame, silence, a hang-up — fails its own
/// Accept, and the listener then accepts a good client (in a child process) as if nothing had happened.
/// </summary>
public sealed class HostileClientTests
{
    /// <summary>Long enough for a good client on a busy machine, short enough for a test that waits it out.</summary>
    private static readonly ConnectionOptions QuickHandshake = new() { HandshakeTimeout = TimeSpan.FromSeconds(3) };

    private static void NextGoodClientWorks(Listener listener, byte[] key)
    {
        using ChildProcess<string> friend = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), key);
        using Connection conn = listener.AcceptWithin();
        Assert.Equal("hello", conn.Receive<string>());
        Assert.Equal("connected", friend.ResultOrFail());
    }

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void RandomBytes_FailEachAcceptWithInvalidData_AndTheListenerGoesOn(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        for (int i = 0; i < 20; i++)
        {
            // Whatever the first four bytes claim, what follows is not a handshake: refused at once, no timeout.
            using Socket raw = RawPeer.Connect(listener.Address);
            raw.Send(RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(1, 4096) + 132));
            Assert.Throws<InvalidDataException>(() => listener.AcceptWithin());
        }

        NextGoodClientWorks(listener, key);
    }

    [Fact]
    public void FramedGarbage_FailsThatAcceptWithInvalidData()
    {
        byte[] key = Listeners.Key(9);
        using Listener listener = Listener.Create(key);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            RawPeer.SendFrame(raw, RandomNumberGenerator.GetBytes(50));
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => listener.AcceptWithin());
            Assert.Contains("not a valid handshake message", e.Message, StringComparison.Ordinal);
        }

        NextGoodClientWorks(listener, key);
    }

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void HttpRequest_FailsThatAcceptWithInvalidData_AndTheListenerGoesOn(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            raw.Send(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => listener.AcceptWithin());
            Assert.Contains("not speaking this library's protocol", e.Message, StringComparison.Ordinal);
        }

        NextGoodClientWorks(listener, key);
    }

    [Fact]
    public void OversizedFirstFrame_FailsThatAcceptWithInvalidDataNamingTheSize()
    {
        byte[] key = Listeners.Key(4);
        using Listener listener = Listener.Create(key);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            byte[] header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, 1 << 30); // claims 1 GiB, sends nothing more
            raw.Send(header);
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => listener.AcceptWithin());
            Assert.Contains("1073741824 bytes", e.Message, StringComparison.Ordinal);
            Assert.Contains("at most 128", e.Message, StringComparison.Ordinal);
        }

        NextGoodClientWorks(listener, key);
    }

    [Fact]
    public void SilentClient_FailsThatAcceptWithTimeout_AndTheListenerGoesOn()
    {
        byte[] key = Listeners.Key(8);
        using Listener listener = Listener.Create(key, QuickHandshake);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            TimeoutException e = Assert.Throws<TimeoutException>(() => listener.AcceptWithin());
            Assert.Contains("HandshakeTimeout", e.Message, StringComparison.Ordinal);

            // The listener closed that connection: the silent client sees its end after the hello.
            _ = RawPeer.ReceiveFrame(raw);
            Assert.Equal(0, raw.Receive(new byte[1]));
        }

        NextGoodClientWorks(listener, key);
    }

    [Fact]
    public async Task SilentClient_FailsThatAcceptAsyncWithTimeout()
    {
        byte[] key = Listeners.Key(8);
        using Listener listener = Listener.CreateTcp(0, key, QuickHandshake);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            await Assert.ThrowsAsync<TimeoutException>(listener.AcceptAsyncWithin);
        }

        NextGoodClientWorks(listener, key);
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
    public void ClientThatHangsUp_FailsThatAcceptWithIOException()
    {
        byte[] key = Listeners.Key(6);
        using Listener listener = Listener.Create(key);
        RawPeer.Connect(listener.Address).Dispose();
        Assert.ThrowsAny<IOException>(() => listener.AcceptWithin());

        NextGoodClientWorks(listener, key);
    }

    [Fact]
    public async Task ClientThatHangsUpAfterTheHello_FailsThatAcceptWithEndOfStream()
    {
        using Listener listener = Listener.Create(Listeners.Key(6));
        Task<Connection> accept = Task.Run(listener.Accept);
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            _ = RawPeer.ReceiveFrame(raw);
        }

        EndOfStreamException e = await Assert.ThrowsAsync<EndOfStreamException>(() => accept.WaitAsync(Within.Deadline));
        Assert.Contains("during the handshake", e.Message, StringComparison.Ordinal);
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
