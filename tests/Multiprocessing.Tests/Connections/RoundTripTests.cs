using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>Typed values and raw bytes go both ways between a listener in this process and a client in a child.</summary>
public sealed class RoundTripTests
{
    private static readonly Parcel Sent = new("crate", 41, [1.5, -2.25, double.MaxValue], new Dictionary<string, int> { ["fragile"] = 1, ["heavy"] = 0 });

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void ChildClient_EchoesTypedValuesAndRawBytes(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        using ChildProcess<int> child = ChildProcess.Start(ConnectionChildren.Echo, Where.Of(listener.Address), key);
        using Connection conn = listener.AcceptWithin();

        conn.Send(Sent);
        Parcel back = conn.Receive<Parcel>();
        Assert.Equal(42, back.Count);
        Assert.Equal(Sent.Label, back.Label);
        Assert.Equal(Sent.Weights, back.Weights);
        Assert.Equal(Sent.Tags, back.Tags);

        conn.Send("ünïcødé ✓");
        Assert.Equal("ÜNÏCØDÉ ✓", conn.Receive<string>());

        conn.Send<object?[]>([1, "two", 3.0, null, true]);
        Assert.Equal([1, "two", 3.0, null, true], conn.Receive<object?[]>());

        // Small (sent with its length prefix in one piece), larger than that, and larger than the room made up front.
        byte[][] blobs = [[1, 2, 3], RandomNumberGenerator.GetBytes(100_000), RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 7)];
        foreach (byte[] blob in blobs)
        {
            conn.SendBytes(blob);
            Assert.Equal(blob, conn.ReceiveBytes());
        }

        conn.SendBytes([]);
        Assert.Empty(conn.ReceiveBytes());
        Assert.Equal(blobs.Length, child.ResultOrFail());
    }

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public async Task ChildClient_Async_EchoesTypedValuesAndRawBytes(string kind)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Listener listener = Listeners.New(kind, key);
        using ChildProcess<int> child = ChildProcess.Start(ConnectionChildren.EchoAsync, Where.Of(listener.Address), key);
        await using Connection conn = await listener.AcceptAsyncWithin();

        await conn.SendAsync(Sent);
        Assert.Equal(42, (await conn.ReceiveAsync<Parcel>()).Count);
        await conn.SendAsync("abc");
        Assert.Equal("ABC", await conn.ReceiveAsync<string>());
        await conn.SendAsync<object?[]>([7L, "x"]);
        Assert.Equal([7L, "x"], await conn.ReceiveAsync<object?[]>());

        byte[] big = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 3);
        await conn.SendBytesAsync(big);
        Assert.Equal(big, await conn.ReceiveBytesAsync());
        await conn.SendBytesAsync(Array.Empty<byte>());
        Assert.Empty(await conn.ReceiveBytesAsync());
        Assert.Equal(1, child.ResultOrFail());
    }

    [Fact]
    public void NoKeyOnEitherEnd_Connects()
    {
        using Listener listener = Listener.Create();
        using ChildProcess<string> child = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), (byte[]?)null);
        using Connection conn = listener.AcceptWithin();

        Assert.Equal("hello", conn.Receive<string>());
        Assert.Equal("connected", child.ResultOrFail());
    }

    [Fact]
    public void ManyMessagesBothWays_AtOnce_ArriveInOrder()
    {
        using Listener listener = Listener.Create(Listeners.Key(7));
        (Connection a, Connection b) = Listeners.Pair(listener, Listeners.Key(7));
        using (a)
        using (b)
        {
            // Each end sends from one thread and receives on another, all four at once: a send waits for room
            // (the kernel's buffer holds a few hundred small messages) and never cuts a message.
            const int Count = 5000;
            Task bSends = Task.Run(() =>
            {
                for (int i = 0; i < Count; i++)
                {
                    b.Send(i);
                }
            });
            Task<bool> bReceives = Task.Run(() => Enumerable.Range(0, Count).All(i => b.Receive<string>() == $"m{i}"));
            Task aSends = Task.Run(() =>
            {
                for (int i = 0; i < Count; i++)
                {
                    a.Send($"m{i}");
                }
            });
            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(i, a.Receive<int>());
            }

            bSends.WaitWithin();
            aSends.WaitWithin();
            Assert.True(bReceives.ResultWithin());
        }
    }

    [Fact]
    public void ClientByHostName_ConnectsToTcpListener()
    {
        using Listener listener = Listener.CreateTcp();
        var port = ((IPEndPoint)listener.Address).Port;
        Task<Connection> connect = Task.Run(() => Client.Connect(new DnsEndPoint("localhost", port)));
        using Connection accepted = listener.AcceptWithin();
        using Connection client = connect.ResultWithin();

        client.Send(5);
        Assert.Equal(5, accepted.Receive<int>());
    }

    [Fact]
    public void Connect_WhereNothingListens_ThrowsSocketException()
    {
        string path;
        using (Listener listener = Listener.Create())
        {
            path = listener.Address.ToString()!;
        }

        Assert.Throws<SocketException>(() => Client.Connect(new UnixDomainSocketEndPoint(path)));
    }
}
