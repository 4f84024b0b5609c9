using System.Net;
using System.Net.Sockets;
using Multiprocessing.Codec;
using Multiprocessing.Messaging;

namespace Multiprocessing.Managers;

/// <summary>
/// One connection to a manager, for one proxy (or the manager object itself) in this process: a request, then its
/// reply, one call at a time under <see cref="Gate"/>. Connects on the first call.
/// </summary>
internal sealed class ManagerChannel : IDisposable
{
    private readonly WireBuffer request = new();
    private byte[] reply = new byte[4096];
    private Connection? connection;
    private Connection? socket;
    private bool broken;
    private bool disposed;

    public ManagerChannel(EndPoint address, byte[] authKey)
    {
        Address = address;
        AuthKey = authKey;
    }

    /// <summary>Held around <see cref="Begin"/> ... <see cref="Invoke"/> and the reading of the reply.</summary>
    public Lock Gate { get; } = new();

    public EndPoint Address { get; }

    public byte[] AuthKey { get; }

    /// <summary>What a proxy to object <paramref name="objectId"/> crosses to another process as: the object's id, the key and the address.</summary>
    public string Describe(long objectId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{objectId}|{Convert.ToBase64String(AuthKey)}|{ManagerAddress.Format(Address)}");

    /// <summary>A new channel to the manager named in <paramref name="descriptor"/> (see <see cref="Describe"/>), and the object's id.</summary>
    /// <exception cref="InvalidDataException">Not such a descriptor.</exception>
    public static ManagerChannel FromDescriptor(string descriptor, out long objectId)
    {
        string[] parts = descriptor.Split('|', 3);
        if (parts.Length != 3 || !long.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out objectId))
        {
            throw new InvalidDataException($"Not a manager proxy: '{descriptor}'.");
        }

        return new ManagerChannel(ManagerAddress.Parse(parts[2]), Convert.FromBase64String(parts[1]));
    }

    /// <summary>Connects now (under the gate), so that a wrong key or a missing manager is reported at once.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The manager's key is another.</exception>
    /// <exception cref="ManagerUnavailableException">Nothing listens at the address.</exception>
    public void Connect()
    {
        lock (Gate)
        {
            _ = Connected();
        }
    }

    /// <summary>Starts a request for <paramref name="op"/> on object <paramref name="objectId"/>; write its arguments into the result.</summary>
    public WireBuffer Begin(ManagerOp op, long objectId)
    {
        request.Reset();
        request.WriteByte((byte)op);
        request.WriteInt64(objectId);
        return request;
    }

    /// <summary>Sends the request and waits for its reply; returns the reply's payload, valid until the next call.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone, or this connection to it broke.</exception>
    /// <exception cref="RemoteException">The operation threw in the manager.</exception>
    public ReadOnlySpan<byte> Invoke()
    {
        Connection c = Connected();
        int length;
        byte[] frame;
        try
        {
            c.SendBytes(request.WrittenSpan);
            try
            {
                length = c.ReceiveBytesInto(reply);
                frame = reply;
            }
            catch (BufferTooShortException e)
            {
                frame = e.Received;
                length = frame.Length;
                if (frame.Length <= 1024 * 1024)
                {
                    reply = new byte[Math.Max(frame.Length, reply.Length * 2)];
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            broken = true;
            c.Dispose();
            socket?.Dispose();
            throw Unavailable(e);
        }

        if (length == 0)
        {
            throw new InvalidDataException("The manager sent an empty reply.");
        }

        if (frame[0] == 0)
        {
            return frame.AsSpan(1, length - 1);
        }

        (string name, int pid, RemoteExceptionInfo info) = WireCodec.Deserialize<(string, int, RemoteExceptionInfo)>(frame.AsMemory(1, length - 1));
        throw new RemoteException(info, name, pid);
    }

    public void Dispose()
    {
        lock (Gate)
        {
            disposed = true;
            connection?.Dispose();
            socket?.Dispose();
        }
    }

    private Connection Connected()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (connection is { } c)
        {
            if (broken)
            {
                throw new ManagerUnavailableException($"The connection to the manager at {Client.Describe(Address)} broke in an earlier call; the manager is gone.");
            }

            return c;
        }

        try
        {
            socket = Client.Connect(Address, AuthKey);
        }
        catch (Exception e) when (e is SocketException or IOException && e is not System.Security.Authentication.AuthenticationException)
        {
            throw Unavailable(e);
        }

        connection = socket;
        if (IsLocal(Address))
        {
            TryUseSharedMemory(socket);
        }

        return connection;
    }

    private static bool IsLocal(EndPoint address) =>
        address is UnixDomainSocketEndPoint || (address is IPEndPoint ip && IPAddress.IsLoopback(ip.Address));

    /// <summary>
    /// Moves the calls onto a shared-memory pipe, a few microseconds a round trip instead of a socket's tens: the
    /// pipe's end is named over the authenticated socket, which stays open. A manager that cannot open it (another
    /// machine or container) says so, and the calls stay on the socket.
    /// </summary>
    private void TryUseSharedMemory(Connection viaSocket)
    {
        (PipeConnection mine, PipeConnection theirs) = PipeConnection.Create(duplex: true, Pipe.DefaultCapacity);
        bool moved = false;
        try
        {
            string descriptor = ((Shared.ISharedObject<PipeConnection>)theirs).Descriptor;
            theirs.Dispose();
            var upgrade = new WireBuffer(64);
            upgrade.WriteByte((byte)ManagerOp.UseSharedMemoryPipe);
            upgrade.WriteInt64(0);
            upgrade.WriteBytes(System.Text.Encoding.UTF8.GetBytes(descriptor));
            byte[] answer;
            try
            {
                viaSocket.SendBytes(upgrade.WrittenSpan);
                answer = viaSocket.ReceiveBytes();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                broken = true;
                throw Unavailable(e);
            }

            // 0: the manager has opened its end. Otherwise it cannot open this machine's shared memory: stay on the socket.
            if (answer.Length > 0 && answer[0] == 0)
            {
                connection = mine;
                moved = true;
            }
        }
        finally
        {
            theirs.Dispose();
            if (!moved)
            {
                mine.Dispose();
                connection = viaSocket;
            }
        }
    }

    private ManagerUnavailableException Unavailable(Exception e) =>
        new($"The manager at {Client.Describe(Address)} cannot be reached: its process has ended or closed the connection ({e.GetType().Name}: {e.Message}).", e);
}
