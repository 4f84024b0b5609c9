using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>
/// A listener's address in a form that crosses to a child (an <see cref="EndPoint"/> does not): a Unix socket path,
/// or a TCP port on the loopback interface. The child rebuilds the endpoint.
/// </summary>
internal sealed record Where(string? UnixPath, int TcpPort)
{
    public static Where Of(EndPoint address) => address switch
    {
        UnixDomainSocketEndPoint unix => new Where(unix.ToString(), 0),
        IPEndPoint ip => new Where(null, ip.Port),
        _ => throw new ArgumentException($"not a listener address: {address}", nameof(address)),
    };

    public EndPoint ToEndPoint() =>
        UnixPath is not null ? new UnixDomainSocketEndPoint(UnixPath) : new IPEndPoint(IPAddress.Loopback, TcpPort);
}

/// <summary>A record with nested collections, sent both ways.</summary>
internal sealed record Parcel(string Label, int Count, List<double> Weights, Dictionary<string, int> Tags);

internal static class Listeners
{
    public const string Unix = "unix";
    public const string Tcp = "tcp";

    /// <summary>Short, where a timeout is the expected outcome.</summary>
    public static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    /// <summary>A listener of the given kind: a fresh Unix socket, or TCP on loopback, any free port.</summary>
    public static Listener New(string kind, byte[]? key = null, ConnectionOptions? options = null) =>
        kind == Unix ? Listener.Create(key, options) : Listener.CreateTcp(0, key, options);

    /// <summary>Accepts on another thread; fails the test if no client has come within 30 s.</summary>
    public static Connection AcceptWithin(this Listener listener)
    {
        Task<Connection> accept = Task.Run(listener.Accept);
        if (!((IAsyncResult)accept).AsyncWaitHandle.WaitOne(Within.Deadline))
        {
            listener.Dispose(); // ends the blocked Accept
            Assert.Fail($"No client reached {listener} within {Within.Deadline.TotalSeconds} s.");
        }

        return accept.GetAwaiter().GetResult();
    }

    /// <summary>Accepts asynchronously; fails the test if no client has come within 30 s.</summary>
    public static async Task<Connection> AcceptAsyncWithin(this Listener listener)
    {
        using var cts = new CancellationTokenSource(Within.Deadline);
        return await listener.AcceptAsync(cts.Token);
    }

    /// <summary>The result of a task the test started, failing the test if it has not completed within 30 s.</summary>
    public static T ResultWithin<T>(this Task<T> task)
    {
        task.WaitWithin();
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for a task the test started, failing the test if it has not completed within 30 s; rethrows its exception.</summary>
    public static void WaitWithin(this Task task)
    {
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(Within.Deadline), $"not done within {Within.Deadline.TotalSeconds} s");
        task.GetAwaiter().GetResult();
    }

    /// <summary>Connects in this process, on another thread, while the caller accepts.</summary>
    public static (Connection Accepted, Connection Connected) Pair(Listener listener, byte[]? key = null, ConnectionOptions? options = null)
    {
        Task<Connection> connect = Task.Run(() => Client.Connect(listener.Address, key, options));
        Connection accepted = listener.AcceptWithin();
        return (accepted, connect.ResultWithin());
    }

    public static byte[] Key(byte fill) => Enumerable.Repeat(fill, 32).ToArray();
}

/// <summary>A socket that speaks raw bytes to a listener: for clients that misbehave.</summary>
internal static class RawPeer
{
    public static Socket Connect(EndPoint address)
    {
        Socket socket = address is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(address);
        return socket;
    }

    public static void SendFrame(Socket socket, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        socket.Send(frame);
    }

    public static byte[] ReceiveFrame(Socket socket)
    {
        byte[] header = ReceiveExactly(socket, 4);
        return ReceiveExactly(socket, BinaryPrimitives.ReadInt32BigEndian(header));
    }

    public static byte[] ReceiveExactly(Socket socket, int count)
    {
        socket.ReceiveTimeout = (int)Within.Deadline.TotalMilliseconds;
        byte[] data = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = socket.Receive(data.AsSpan(got));
            Assert.True(n > 0, $"the listener closed after {got} of {count} bytes");
            got += n;
        }

        return data;
    }

    /// <summary>Reads (and drops) what the listener sends until it closes the connection; fails the test if it has not within 30 s.</summary>
    public static void AssertClosedByListener(Socket socket)
    {
        socket.ReceiveTimeout = (int)Within.Deadline.TotalMilliseconds;
        byte[] sink = new byte[4096];
        try
        {
            while (socket.Receive(sink) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            // Closed with our bytes unread: a reset.
        }
    }

    /// <summary>Plays a client without a key through the handshake of a listener without a key; then the socket carries raw frames.</summary>
    public static Socket ConnectWithoutKey(EndPoint address)
    {
        Socket socket = Connect(address);
        Assert.Equal("MPNC\u0001\u0000"u8.ToArray(), ReceiveFrame(socket));
        SendFrame(socket, "MPNC\u0001\u0000"u8);
        Assert.Equal([0], ReceiveFrame(socket));
        return socket;
    }
}

/// <summary>What the child processes of these tests run (method groups: nothing is captured).</summary>
internal static class ConnectionChildren
{
    /// <summary>Connects and echoes: a parcel (its count plus one), a string (upper case), a mixed array, then raw messages until an empty one.</summary>
    public static int Echo(Where where, byte[]? key)
    {
        using Connection c = Client.Connect(where.ToEndPoint(), key);
        Parcel p = c.Receive<Parcel>();
        c.Send(p with { Count = p.Count + 1 });
        c.Send(c.Receive<string>().ToUpperInvariant());
        c.Send(c.Receive<object?[]>());
        int echoed = 0;
        while (true)
        {
            byte[] data = c.ReceiveBytes();
            c.SendBytes(data);
            if (data.Length == 0)
            {
                return echoed;
            }

            echoed++;
        }
    }

    /// <summary><see cref="Echo"/> with the asynchronous calls.</summary>
    public static async Task<int> EchoAsync(Where where, byte[]? key)
    {
        await using Connection c = await Client.ConnectAsync(where.ToEndPoint(), key);
        Parcel p = await c.ReceiveAsync<Parcel>();
        await c.SendAsync(p with { Count = p.Count + 1 });
        await c.SendAsync((await c.ReceiveAsync<string>()).ToUpperInvariant());
        await c.SendAsync(await c.ReceiveAsync<object?[]>());
        int echoed = 0;
        while (true)
        {
            byte[] data = await c.ReceiveBytesAsync();
            await c.SendBytesAsync(data);
            if (data.Length == 0)
            {
                return echoed;
            }

            echoed++;
        }
    }

    /// <summary>Connects and sends "connected", or returns the exception's type and message.</summary>
    public static string TryConnect(Where where, byte[]? key)
    {
        try
        {
            using Connection c = Client.Connect(where.ToEndPoint(), key);
            c.Send("hello");
            return "connected";
        }
        catch (Exception e)
        {
            return $"{e.GetType().FullName}: {e.Message}";
        }
    }

    /// <summary>Connects, sends <paramref name="count"/> numbers and closes.</summary>
    public static void SendThenClose(Where where, byte[]? key, int count)
    {
        using Connection c = Client.Connect(where.ToEndPoint(), key);
        for (int i = 0; i < count; i++)
        {
            c.Send(i);
        }
    }

    /// <summary>Connects, sends <paramref name="count"/> numbers, says so through <paramref name="sent"/>, and waits to be killed.</summary>
    public static void SendThenWaitToBeKilled(Where where, byte[]? key, int count, SharedEvent sent)
    {
        Connection c = Client.Connect(where.ToEndPoint(), key);
        for (int i = 0; i < count; i++)
        {
            c.Send(i);
        }

        sent.Set();
        Thread.Sleep(Timeout.Infinite);
        GC.KeepAlive(c);
    }

    /// <summary>Connects, waits for a number, and sends it back after <paramref name="go"/> is set.</summary>
    public static void SendWhenTold(Where where, byte[]? key, SharedEvent go)
    {
        using Connection c = Client.Connect(where.ToEndPoint(), key);
        go.Wait(Within.Deadline);
        c.Send(42);
        _ = c.Poll(Within.Deadline); // until the parent closes
    }
}
