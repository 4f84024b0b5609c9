using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>
/// Both ends prove they have the key before any message is decoded; a mismatch fails that connection only: the
/// client sees an <see cref="AuthenticationException"/>, and the listener closes it and never returns it from Accept.
/// </summary>
public sealed class AuthenticationTests
{
    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void ChildWithWrongKey_ThrowsAuthenticationException_AndAcceptReturnsTheNextClient(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        var where = Where.Of(listener.Address);
        Task<Connection> accept = Task.Run(listener.Accept);

        using (ChildProcess<string> intruder = ChildProcess.Start(ConnectionChildren.TryConnect, where, RandomNumberGenerator.GetBytes(32)))
        {
            string seen = intruder.ResultOrFail();
            Assert.StartsWith(typeof(AuthenticationException).FullName + ":", seen, StringComparison.Ordinal);
            Assert.Contains("did not match", seen, StringComparison.Ordinal);
        }

        Assert.False(accept.IsCompleted, "Accept returned a client with the wrong key");
        using ChildProcess<string> friend = ChildProcess.Start(ConnectionChildren.TryConnect, where, key);
        using Connection conn = accept.ResultWithin();
        Assert.Equal("hello", conn.Receive<string>());
        Assert.Equal("connected", friend.ResultOrFail());
    }

    [Fact]
    public async Task ChildWithWrongKey_IsNotReturnedByAcceptAsync_TheNextClientIs()
    {
        byte[] key = Listeners.Key(1);
        using Listener listener = Listener.Create(key);
        var where = Where.Of(listener.Address);
        Task<Connection> accept = listener.AcceptAsyncWithin();

        using (ChildProcess<string> intruder = ChildProcess.Start(ConnectionChildren.TryConnect, where, Listeners.Key(2)))
        {
            Assert.Contains("did not match", intruder.ResultOrFail(), StringComparison.Ordinal);
        }

        Assert.False(accept.IsCompleted, "AcceptAsync returned a client with the wrong key");
        using ChildProcess<string> friend = ChildProcess.Start(ConnectionChildren.TryConnect, where, key);
        await using Connection conn = await accept;
        Assert.Equal("hello", await conn.ReceiveAsync<string>());
        Assert.Equal("connected", friend.ResultOrFail());
    }

    /// <summary>
    /// A listener that does not have the key (here: a fake one that answers the client's challenge with random
    /// bytes) is found out by the client, in a child, which refuses it and says so to the listener.
    /// </summary>
    [Fact]
    public void ListenerThatCannotProveTheKey_ChildClientThrowsAuthenticationException()
    {
        using var temp = new TempDirectory();
        string path = temp.NewPath("fake");
        using var fake = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        fake.Bind(new UnixDomainSocketEndPoint(path));
        fake.Listen();

        using ChildProcess<string> child = ChildProcess.Start(ConnectionChildren.TryConnect, new Where(path, 0), Listeners.Key(5));
        Task<Socket> accept = fake.AcceptAsync();
        using Socket peer = accept.ResultWithin();

        RawPeer.SendFrame(peer, [.. "MPNC"u8, 1, 1, .. RandomNumberGenerator.GetBytes(32)]); // hello, with a key
        byte[] answer = RawPeer.ReceiveFrame(peer);
        Assert.Equal(1, answer[5]); // the client answered with its proof
        RawPeer.SendFrame(peer, [0, .. RandomNumberGenerator.GetBytes(32)]); // "accepted", with a proof it cannot make
        Assert.Equal([1], RawPeer.ReceiveFrame(peer)); // the client says: not proved

        string seen = child.ResultOrFail();
        Assert.StartsWith(typeof(AuthenticationException).FullName + ":", seen, StringComparison.Ordinal);
        Assert.Contains("did not match", seen, StringComparison.Ordinal);
        Assert.Contains("could not prove", seen, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientThatRefusesTheListenersProof_IsToldSo_AndClosed()
    {
        byte[] key = Listeners.Key(3);
        using Listener listener = Listener.Create(key);
        Task<Connection> accept = Task.Run(listener.Accept);

        // A fake client with no key: it can read the hello but not answer it, so it sends garbage as its proof.
        using (Socket raw = RawPeer.Connect(listener.Address))
        {
            byte[] hello = RawPeer.ReceiveFrame(raw);
            Assert.Equal(38, hello.Length);
            RawPeer.SendFrame(raw, [.. "MPNC"u8, 1, 1, .. RandomNumberGenerator.GetBytes(64)]);
            Assert.Equal([1], RawPeer.ReceiveFrame(raw)); // the listener's verdict: wrong key
            RawPeer.AssertClosedByListener(raw);
        }

        Assert.False(accept.IsCompleted, "Accept returned a client that did not prove the key");
        using (Connection good = Client.Connect(listener.Address, key))
        using (Connection accepted = accept.ResultWithin())
        {
            good.Send(7);
            Assert.Equal(7, accepted.Receive<int>());
        }
    }

    [Fact]
    public async Task ListenerWithKey_ClientWithout_ClientThrowsAuthenticationException()
    {
        using Listener listener = Listener.Create(Listeners.Key(1));
        Task<Connection> accept = Task.Run(listener.Accept);
        Task<Connection> connect = Task.Run(() => Client.Connect(listener.Address));

        AuthenticationException atClient = await Assert.ThrowsAsync<AuthenticationException>(() => connect.WaitAsync(Within.Deadline));
        Assert.Contains("requires an auth key", atClient.Message, StringComparison.Ordinal);
        Assert.False(accept.IsCompleted, "Accept returned a client without the key");
        listener.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => accept.WaitAsync(Within.Deadline));
    }

    [Fact]
    public async Task ListenerWithoutKey_ClientWithOne_ClientThrowsAuthenticationException()
    {
        using Listener listener = Listener.Create();
        Task<Connection> accept = Task.Run(listener.Accept);
        Task<Connection> connect = Task.Run(() => Client.Connect(listener.Address, Listeners.Key(1)));

        AuthenticationException atClient = await Assert.ThrowsAsync<AuthenticationException>(() => connect.WaitAsync(Within.Deadline));
        Assert.Contains("has no auth key", atClient.Message, StringComparison.Ordinal);
        Assert.False(accept.IsCompleted, "Accept returned a client that refused the listener");
        listener.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => accept.WaitAsync(Within.Deadline));
    }

    [Fact]
    public void Handshake_WithKey_ChallengesDifferEveryTime()
    {
        using Listener listener = Listener.Create(Listeners.Key(1));
        _ = Task.Run(() =>
        {
            for (int i = 0; i < 2; i++)
            {
                try
                {
                    listener.Accept().Dispose();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or TimeoutException or InvalidDataException)
                {
                }
            }
        });

        using Socket first = RawPeer.Connect(listener.Address);
        using Socket second = RawPeer.Connect(listener.Address);
        byte[] a = RawPeer.ReceiveFrame(first);
        first.Dispose();
        byte[] b = RawPeer.ReceiveFrame(second);
        Assert.Equal(a[..6], b[..6]);
        Assert.NotEqual(a[6..], b[6..]);
    }
}
