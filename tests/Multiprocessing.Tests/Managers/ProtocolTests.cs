using System.Buffers.Binary;

namespace Multiprocessing.Tests.Managers;

/// <summary>The manager's wire protocol, spoken by hand over an authenticated connection.</summary>
public sealed class ProtocolTests
{
    /// <summary>
    /// A client whose shared-memory pipe the manager cannot open (another machine, another container) is told so
    /// and goes on over the socket; the manager's other clients see its work.
    /// </summary>
    [Fact]
    public void PipeTheManagerCannotOpen_IsRefused_AndTheSocketStillServes()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<int, int> d = manager.Dictionary<int, int>("shared");
        using Connection raw = Client.Connect(manager.Address, manager.AuthKey);

        raw.SendBytes([2, .. new byte[8], .. "mpnet-no-such-segment/1/1/1"u8]);
        byte[] refused = raw.ReceiveBytes();
        Assert.Equal(1, refused[0]); // an error reply: stay on the socket

        raw.SendBytes([1, .. new byte[8], 1, 6, 0, 0, 0, .. "shared"u8]); // create-or-find the dictionary named "shared"
        byte[] created = raw.ReceiveBytes();
        Assert.Equal(0, created[0]);
        long id = BinaryPrimitives.ReadInt64LittleEndian(created.AsSpan(1));

        byte[] set = new byte[1 + 8 + 4 + 1 + 1];
        set[0] = 11; // DictSet
        BinaryPrimitives.WriteInt64LittleEndian(set.AsSpan(1), id);
        BinaryPrimitives.WriteInt32LittleEndian(set.AsSpan(9), 1); // a one-byte key
        set[13] = 7; // the key 7, MessagePack positive fixint
        set[14] = 42; // the value 42
        raw.SendBytes(set);
        Assert.Equal([0], raw.ReceiveBytes());

        Assert.Equal(42, d[7]);
    }

    [Fact]
    public void TruncatedOrUnknownRequest_GetsAnErrorReply_AndTheConnectionGoesOn()
    {
        using Manager manager = Manager.Start();
        using Connection raw = Client.Connect(manager.Address, manager.AuthKey);

        raw.SendBytes([11, 0, 0]);
        Assert.Equal(1, raw.ReceiveBytes()[0]);
        raw.SendBytes([99, .. new byte[8]]);
        Assert.Equal(1, raw.ReceiveBytes()[0]);
        raw.SendBytes([1, .. new byte[8], 1, 0, 0, 0, 0]); // a new unnamed dictionary
        Assert.Equal(0, raw.ReceiveBytes()[0]);
    }
}
