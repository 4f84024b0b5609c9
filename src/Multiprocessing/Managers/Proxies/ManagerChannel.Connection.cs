using System.Net;
using System.Net.Sockets;
using Multiprocessing.Connections;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Managers;

// A channel's connection: connecting (a socket, then shared memory when the manager is local), taking the object's
// reference, pins, and dropping a connection that broke or was abandoned.
internal sealed partial class ManagerChannel
{
    /// <summary>Connects now (holding the wire), so that a wrong key or a missing manager is reported at once.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The manager's key is another.</exception>
    /// <exception cref="ManagerUnavailableException">Nothing listens at the address.</exception>
    public void Connect()
    {
        Blocking.Wait(wire.Enter<Blocking>(CancellationToken.None));
        try
        {
            _ = Connected();
        }
        finally
        {
            wire.Exit();
        }
    }

    /// <summary>Marks the connection broken (the manager is gone) and closes it.</summary>
    private Exception Broke(Connection c, Exception e)
    {
        broken = true;
        c.Dispose();
        socket?.Dispose();
        return Volatile.Read(ref disposed) ? new ObjectDisposedException(nameof(ManagerChannel), e) : Unavailable(e);
    }

    /// <summary>
    /// Drops the connection, whose reply is still to come, so that the next call connects anew. The new connection
    /// is made first, if this channel holds a reference to its object, and takes a reference of its own before the
    /// old one closes (which gives the old one's back), so that the object is not dropped in between.
    /// </summary>
    private void Abandon()
    {
        Connection? oldConnection;
        Connection? oldSocket;
        lock (connecting)
        {
            oldConnection = connection;
            oldSocket = socket;
            connection = null;
            socket = null;
        }

        try
        {
            if (heldId != 0 && !Volatile.Read(ref disposed))
            {
                _ = Connected();
            }
        }
        catch (Exception e) when (e is ManagerUnavailableException or RemoteException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The next call connects again and reports why it cannot.
        }
        finally
        {
            oldConnection?.Dispose();
            oldSocket?.Dispose();
        }
    }

    /// <summary>
    /// A pin on object <paramref name="objectId"/> for a descriptor (see <see cref="Describe"/>): asked on this
    /// channel's connection if it is free now, else on a connection of its own (the channel's may be held by a call
    /// that waits in the manager for as long as it takes, and the encoding of this proxy must not wait for it).
    /// </summary>
    /// <returns>The pin's token; 0 if none could be made.</returns>
    private long Pin(long objectId)
    {
        var frame = new WireBuffer(16);
        frame.WriteByte((byte)ManagerOp.Pin);
        frame.WriteInt64(objectId);
        try
        {
            if (!Volatile.Read(ref disposed) && wire.TryEnter())
            {
                try
                {
                    return new WireReader(Payload(Exchange(Connected(), frame))).ReadInt64();
                }
                finally
                {
                    wire.Exit();
                }
            }

            using Connection own = Client.Connect(Address, AuthKey);
            own.SendBytes(frame.WrittenSpan);
            return new WireReader(Payload(own.ReceiveBytes())).ReadInt64();
        }
        catch (Exception e) when (e is ManagerUnavailableException or RemoteException or ObjectDisposedException or IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            return 0;
        }
    }

    /// <summary>Sends a request of the channel's own (outside the proxy's calls) on <paramref name="c"/>, and receives its reply.</summary>
    /// <exception cref="ManagerUnavailableException">The connection broke.</exception>
    private byte[] Exchange(Connection c, WireBuffer frame)
    {
        try
        {
            c.SendBytes(frame.WrittenSpan);
            return c.ReceiveBytes();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw Broke(c, e);
        }
    }

    /// <summary>Takes the reference to <see cref="heldId"/> on a new connection (over the pin, the first time); a refusal (the object is gone) closes it.</summary>
    /// <exception cref="RemoteException">The manager no longer holds the object.</exception>
    /// <exception cref="ManagerUnavailableException">The connection broke.</exception>
    private void Attach(Connection c)
    {
        var frame = new WireBuffer(24);
        frame.WriteByte((byte)ManagerOp.Attach);
        frame.WriteInt64(heldId);
        frame.WriteInt64(pinToken);
        byte[] answer = Exchange(c, frame);

        try
        {
            _ = Payload(answer);
        }
        catch (RemoteException)
        {
            lock (connecting)
            {
                connection?.Dispose();
                socket?.Dispose();
                connection = null;
                socket = null;
            }

            throw;
        }

        pinToken = 0;
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

        Connection made;
        try
        {
            made = Client.Connect(Address, AuthKey);
        }
        catch (Exception e) when (e is SocketException or IOException && e is not System.Security.Authentication.AuthenticationException)
        {
            throw Unavailable(e);
        }

        lock (connecting)
        {
            if (Volatile.Read(ref disposed))
            {
                made.Dispose(); // Disposed while it connected.
                throw new ObjectDisposedException(nameof(ManagerChannel));
            }

            socket = made;
            connection = made;
        }

        if (IsLocal(Address))
        {
            TryUseSharedMemory(made);
            lock (connecting)
            {
                if (Volatile.Read(ref disposed))
                {
                    connection?.Dispose(); // Disposed while it moved to shared memory.
                    throw new ObjectDisposedException(nameof(ManagerChannel));
                }
            }
        }

        if (heldId != 0)
        {
            Attach(connection!);
        }

        return connection!;
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
            string descriptor = ((Sharing.ISharedObject<PipeConnection>)theirs).Descriptor;
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
                throw Volatile.Read(ref disposed) ? new ObjectDisposedException(nameof(ManagerChannel), e) : Unavailable(e); // closed while it connected, or the manager is gone
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
}
