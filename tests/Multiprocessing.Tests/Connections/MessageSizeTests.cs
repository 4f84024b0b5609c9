using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Multiprocessing.Tests.Connections;

/// <summary><see cref="ConnectionOptions.MaxMessageSize"/>: refused on send (nothing sent) and on receive (nothing allocated for it).</summary>
public sealed class MessageSizeTests
{
    private static readonly ConnectionOptions Small = new() { MaxMessageSize = 1024 };

    [Fact]
    public void Send_LargerThanMaxMessageSize_ThrowsArgumentException_AndSendsNothing()
    {
        using Listener listener = Listener.Create(Listeners.Key(1));
        (Connection accepted, Connection client) = Listeners.Pair(listener, Listeners.Key(1), Small);
        using (accepted)
        using (client)
        {
            ArgumentException bytes = Assert.Throws<ArgumentException>(() => client.SendBytes(new byte[1025]));
            Assert.Contains("1025 bytes", bytes.Message, StringComparison.Ordinal);
            Assert.Contains("1024", bytes.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => client.Send(new string('x', 2000)));
            Assert.False(accepted.Poll(TimeSpan.Zero));

            // Exactly the limit passes, and it is the first thing the other end receives.
            client.SendBytes(new byte[1024]);
            Assert.Equal(1024, accepted.ReceiveBytes().Length);
            Assert.False(client.IsClosed);
        }
    }

    [Fact]
    public async Task SendAsync_LargerThanMaxMessageSize_ThrowsArgumentException()
    {
        using Listener listener = Listener.Create();
        (Connection accepted, Connection client) = Listeners.Pair(listener, null, Small);
        using (accepted)
        using (client)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => client.SendBytesAsync(new byte[4096]).AsTask());
            await client.SendAsync(1);
            Assert.Equal(1, accepted.Receive<int>());
        }
    }

    [Fact]
    public void Receive_LargerThanMaxMessageSize_ThrowsInvalidDataNamingBothSizes_AndClosesTheConnection()
    {
        using Listener listener = Listener.Create(Listeners.Key(2), Small);
        (Connection accepted, Connection client) = Listeners.Pair(listener, Listeners.Key(2)); // the client's limit is the default
        using (accepted)
        using (client)
        {
            client.SendBytes(RandomNumberGenerator.GetBytes(5000));

            InvalidDataException e = Assert.Throws<InvalidDataException>(() => accepted.ReceiveBytes());
            Assert.Contains("5000 bytes", e.Message, StringComparison.Ordinal);
            Assert.Contains("MaxMessageSize of 1024", e.Message, StringComparison.Ordinal);
            Assert.True(accepted.IsClosed);
            Assert.Throws<ObjectDisposedException>(() => accepted.ReceiveBytes());
        }
    }

    [Fact]
    public async Task ReceiveAsync_LargerThanMaxMessageSize_ThrowsInvalidData()
    {
        using Listener listener = Listener.Create(null, Small);
        (Connection accepted, Connection client) = Listeners.Pair(listener);
        using (accepted)
        using (client)
        {
            client.SendBytes(new byte[1025]);
            await Assert.ThrowsAsync<InvalidDataException>(() => accepted.ReceiveBytesAsync().AsTask());
            Assert.True(accepted.IsClosed);
        }
    }

    [Fact]
    public void Receive_HeaderClaimingTwoGigabytes_IsRefusedWithoutAllocatingIt()
    {
        using Listener listener = Listener.Create();
        Task<Connection> accept = Task.Run(listener.Accept);
        using Socket raw = RawPeer.ConnectWithoutKey(listener.Address);
        using Connection conn = accept.ResultWithin();

        raw.Send(Header(int.MaxValue));
        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => conn.ReceiveBytes());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains($"{int.MaxValue} bytes", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated to refuse it");
    }

    [Fact]
    public void Receive_NegativeLength_IsRefusedWithInvalidData()
    {
        using Listener listener = Listener.Create();
        Task<Connection> accept = Task.Run(listener.Accept);
        using Socket raw = RawPeer.ConnectWithoutKey(listener.Address);
        using Connection conn = accept.ResultWithin();

        raw.Send(Header(-5));
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => conn.ReceiveBytes());
        Assert.Contains("negative length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Receive_LargeClaimWithinTheLimit_MakesRoomAsTheBytesArrive()
    {
        var huge = new ConnectionOptions { MaxMessageSize = Array.MaxLength };
        using Listener listener = Listener.Create(null, huge);
        Task<Connection> accept = Task.Run(listener.Accept);
        using Socket raw = RawPeer.ConnectWithoutKey(listener.Address);
        using Connection conn = accept.ResultWithin();

        // Claims 1.5 GiB, sends 10 bytes and hangs up: the reader must not have made room for the claim.
        raw.Send(Header(1536 * 1024 * 1024));
        raw.Send(new byte[10]);
        raw.Shutdown(SocketShutdown.Send);
        long before = GC.GetAllocatedBytesForCurrentThread();
        EndOfStreamException e = Assert.Throws<EndOfStreamException>(() => conn.ReceiveBytes());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("in the middle of a message", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 4 * 1024 * 1024, $"{allocated} bytes allocated for a message that sent 10");
    }

    private static byte[] Header(int length)
    {
        byte[] header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, length);
        return header;
    }
}
