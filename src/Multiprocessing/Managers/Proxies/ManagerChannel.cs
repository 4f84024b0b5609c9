using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Multiprocessing.Codec;
using Multiprocessing.Connections;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Managers;

/// <summary>
/// One connection to a manager, for one proxy (or the manager object itself) in this process: a request, then its
/// reply, one at a time on the wire. Connects on the first call.
/// </summary>
/// <remarks>
/// The connection holds the manager's reference to the proxy's object (<see cref="Holds"/>): the manager drops the
/// object once no connection, pin or name holds it. A channel made from a descriptor (a proxy that crossed from
/// another process) connects at once and takes over the reference the sender pinned for it (see <see cref="Describe"/>);
/// a connection made anew (after <see cref="Invoke"/> abandoned one) takes a reference again
/// before the old one closes.
/// </remarks>
/// <remarks>
/// The wire (the connection, the request buffer, sending a request, receiving its reply and reading it) is owned by
/// one caller at a time through a <see cref="FifoLock"/>, which blocking callers (<see cref="Call"/>) and awaiting
/// ones (<see cref="CallAsync"/>) take alike, in the order they came: a sliced wait that asks again after each
/// slice queues behind the calls that came meanwhile (the Put that an awaited Get on the same proxy waits for), so
/// it cannot keep them off the wire.
/// </remarks>
internal sealed class ManagerChannel : IDisposable
{
    /// <summary>
    /// The longest wait, in milliseconds, that one request asks of the manager when the caller's
    /// <see cref="CancellationToken"/> can be cancelled: the wait is made of such slices, and the token is checked
    /// between them, so a cancellation is seen within one slice. Without a cancellable token the whole wait is one request.
    /// </summary>
    public const int SliceMilliseconds = 100;

    /// <summary>Writes a blocking operation's only argument, its wait.</summary>
    public static readonly Action<WireBuffer, long> WriteMilliseconds = static (args, ms) => args.WriteInt64(ms);

    /// <summary>Reads a reply that is one bool, the success.</summary>
    public static readonly ReplyParser<bool> ParseBool = static (WireReader reply, out bool result) => result = reply.ReadBool();

    private readonly WireBuffer request = new();
    private readonly FifoLock wire = new();
    private readonly Lock connecting = new();
    private byte[] reply = new byte[4096];
    private Connection? connection;
    private Connection? socket;
    private bool broken;
    private bool disposed;

    /// <summary>The object whose reference each connection of this channel takes (<see cref="ManagerOp.Attach"/>); 0 for none.</summary>
    private long heldId;

    /// <summary>The pin (see <see cref="ManagerOp.Pin"/>) whose reference the first connection takes over; 0 once taken, or for none.</summary>
    private long pinToken;

    public ManagerChannel(EndPoint address, byte[] authKey)
    {
        Address = address;
        AuthKey = authKey;
    }

    public EndPoint Address { get; }

    public byte[] AuthKey { get; }

    /// <summary>
    /// What a proxy to object <paramref name="objectId"/> crosses to another process as: the object's id and a pin,
    /// the key and the address. The pin is a reference to the object that the manager holds for the receiver until its
    /// connection takes it over (<see cref="FromDescriptor"/>), so that the object outlives this proxy if the sender
    /// drops it before the receiver has connected. A pin that is never taken over (a descriptor never decoded) holds
    /// the object until the manager ends. If the pin cannot be made (the manager is gone, or the object already
    /// dropped), the descriptor has none, and the receiver's proxy throws when it is used.
    /// </summary>
    public string Describe(long objectId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{objectId}/{Pin(objectId)}|{Convert.ToBase64String(AuthKey)}|{ManagerAddress.Format(Address)}");

    /// <summary>
    /// A new channel to the manager named in <paramref name="descriptor"/> (see <see cref="Describe"/>), and the
    /// object's id. It connects now and takes over the descriptor's pin; if the manager cannot be reached now, it
    /// tries again on the first call, which then throws as any call to a missing manager does.
    /// </summary>
    /// <exception cref="InvalidDataException">Not such a descriptor.</exception>
    public static ManagerChannel FromDescriptor(string descriptor, out long objectId)
    {
        string[] parts = descriptor.Split('|', 3);
        string[] ids = parts[0].Split('/', 2);
        long token = 0;
        if (parts.Length != 3 || !long.TryParse(ids[0], System.Globalization.CultureInfo.InvariantCulture, out objectId) ||
            (ids.Length == 2 && !long.TryParse(ids[1], System.Globalization.CultureInfo.InvariantCulture, out token)))
        {
            throw new InvalidDataException($"Not a manager proxy: '{descriptor}'.");
        }

        var channel = new ManagerChannel(ManagerAddress.Parse(parts[2]), Convert.FromBase64String(parts[1])) { heldId = objectId, pinToken = token };
        try
        {
            channel.Connect();
        }
        catch (Exception e) when (e is ManagerUnavailableException or RemoteException or IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            // Not now: the first call connects again (taking the pin over if it still can) and reports why it cannot.
        }

        return channel;
    }

    /// <summary>
    /// This channel's connection holds the reference to object <paramref name="objectId"/> that the manager gave it
    /// when it created (or found) the object; a connection made anew takes one again.
    /// </summary>
    public void Holds(long objectId) => heldId = objectId;

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

    /// <summary>Starts a request for <paramref name="op"/> on object <paramref name="objectId"/> (holding the wire); write its arguments into the result.</summary>
    private WireBuffer Begin(ManagerOp op, long objectId)
    {
        request.Reset();
        request.WriteByte((byte)op);
        request.WriteInt64(objectId);
        return request;
    }

    /// <summary>
    /// Sends the request and waits for its reply (holding the wire); returns the reply's payload, valid while the wire is held.
    /// <paramref name="abandonOnCancel"/> stops the wait for the reply: the connection is then dropped (the manager
    /// treats this client as gone, as if its process had ended) and the next call connects anew. Only for an
    /// operation whose abandonment the manager handles as wanted (a barrier's wait).
    /// </summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone, or this connection to it broke.</exception>
    /// <exception cref="RemoteException">The operation threw in the manager.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abandonOnCancel"/> was cancelled before the reply came.</exception>
    private ReadOnlySpan<byte> Invoke(CancellationToken abandonOnCancel)
    {
        int length;
        byte[] frame;
        Connection c = Connected();
        try
        {
            c.SendBytes(request.WrittenSpan);
            try
            {
                length = c.ReceiveBytesInto(reply, abandonOnCancel);
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
        catch (OperationCanceledException) when (abandonOnCancel.IsCancellationRequested)
        {
            Abandon();
            throw;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw Broke(c, e);
        }

        return Payload(frame.AsSpan(0, length));
    }

    /// <summary>
    /// One request, asynchronously: waits for the wire without a thread, writes <paramref name="op"/> on
    /// <paramref name="objectId"/> with <paramref name="writeArgs"/> (given <paramref name="milliseconds"/>), awaits the
    /// reply and reads it with <paramref name="parse"/> before giving the wire up.
    /// </summary>
    /// <param name="op">The operation.</param>
    /// <param name="objectId">The object's id in the manager.</param>
    /// <param name="milliseconds">Passed to <paramref name="writeArgs"/>: the wait this request asks for.</param>
    /// <param name="writeArgs">Writes the operation's arguments.</param>
    /// <param name="parse">Reads the reply (while the wire is still held).</param>
    /// <param name="gateToken">Stops the wait for the wire (before anything is sent).</param>
    /// <param name="abandonOnCancel">As in <see cref="Invoke"/>: stops the wait for the reply by dropping the connection.</param>
    /// <returns>What <paramref name="parse"/> returned, and its result.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone, or this connection to it broke.</exception>
    /// <exception cref="RemoteException">The operation threw in the manager.</exception>
    public async ValueTask<(bool Done, T Result)> CallAsync<T>(
        ManagerOp op, long objectId, long milliseconds, Action<WireBuffer, long> writeArgs, ReplyParser<T> parse,
        CancellationToken gateToken, CancellationToken abandonOnCancel = default)
    {
        await wire.Enter<Awaiting>(gateToken).ConfigureAwait(false);
        try
        {
            Connection c = Connected();
            writeArgs(Begin(op, objectId), milliseconds);
            ReadOnlyMemory<byte> frame;
            try
            {
                await c.SendBytesAsync(request.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
                frame = await c.ReceiveFrameAsync(abandonOnCancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abandonOnCancel.IsCancellationRequested)
            {
                Abandon();
                throw;
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                throw Broke(c, e);
            }

            bool done = parse(new WireReader(Payload(frame.Span)), out T result);
            return (done, result);
        }
        finally
        {
            wire.Exit();
        }
    }

    /// <summary>
    /// One request, blocking the thread: <paramref name="op"/> on object <paramref name="objectId"/>, its arguments written
    /// by <paramref name="write"/> (none if null) from <paramref name="args"/>, its reply read by
    /// <paramref name="read"/> (the reply is valid only during that call). With static lambdas and a struct
    /// <typeparamref name="TArgs"/>, nothing is allocated.
    /// </summary>
    /// <param name="op">The operation.</param>
    /// <param name="objectId">The object's id in the manager.</param>
    /// <param name="args">What <paramref name="write"/> and <paramref name="read"/> are given.</param>
    /// <param name="write">Writes the operation's arguments; null for none.</param>
    /// <param name="read">Reads the reply.</param>
    /// <param name="abandonOnCancel">As in <see cref="Invoke"/>: stops the wait for the reply by dropping the connection.</param>
    /// <param name="gateToken">Stops the wait for the wire (before anything is sent).</param>
    /// <returns>What <paramref name="read"/> returned.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone, or this connection to it broke.</exception>
    /// <exception cref="RemoteException">The operation threw in the manager.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="gateToken"/> fired before the wire was free (nothing was sent), or <paramref name="abandonOnCancel"/> as in <see cref="Invoke"/>.</exception>
    public TResult Call<TArgs, TResult>(
        ManagerOp op, long objectId, TArgs args, Action<WireBuffer, TArgs>? write, Func<WireReader, TArgs, TResult> read,
        CancellationToken abandonOnCancel = default, CancellationToken gateToken = default)
        where TArgs : allows ref struct
    {
        Blocking.Wait(wire.Enter<Blocking>(gateToken));
        try
        {
            WireBuffer request = Begin(op, objectId);
            write?.Invoke(request, args);
            return read(new WireReader(Invoke(abandonOnCancel)), args);
        }
        finally
        {
            wire.Exit();
        }
    }

    /// <summary>
    /// One request of a wait (whose arguments <paramref name="writeArgs"/> writes, given <paramref name="milliseconds"/>),
    /// in <typeparamref name="TMode"/>'s way: <see cref="Call"/> (blocking), or <see cref="CallAsync"/>.
    /// </summary>
    /// <returns>What <paramref name="parse"/> returned, and its result.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone, or this connection to it broke.</exception>
    /// <exception cref="RemoteException">The operation threw in the manager.</exception>
    public ValueTask<(bool Done, T Result)> Request<TMode, T>(
        ManagerOp op, long objectId, long milliseconds, Action<WireBuffer, long> writeArgs, ReplyParser<T> parse,
        CancellationToken gateToken, CancellationToken abandonOnCancel = default)
        where TMode : IWaitMode
    {
        if (TMode.IsAsync)
        {
            return CallAsync(op, objectId, milliseconds, writeArgs, parse, gateToken, abandonOnCancel);
        }

        return new(Call(
            op, objectId, (Ms: milliseconds, Write: writeArgs, Parse: parse),
            static (request, a) => a.Write(request, a.Ms),
            static (reply, a) => (a.Parse(reply, out T result), result),
            abandonOnCancel,
            gateToken));
    }

    /// <summary>
    /// A blocking operation (whose first argument is its wait in milliseconds) that waits at most
    /// <paramref name="timeoutMs"/> (-1: for ever), blocking the thread or not as <typeparamref name="TMode"/> says.
    /// With a cancellable <paramref name="cancellationToken"/>, the wait is made of requests of at most
    /// <see cref="SliceMilliseconds"/>, the token checked between them; a slice that succeeds is returned even if the
    /// token has fired meanwhile (the result wins over a late cancellation, so an acquired lock or a taken item is
    /// never lost). Between slices, the proxy's other calls may go through. An awaited wait is always sliced: it
    /// holds no thread, so the same proxy's other calls (the Put that the awaited Get waits for, say) must get
    /// through between its requests.
    /// </summary>
    /// <returns>Whether the last reply succeeded, and its result: the success, or the failure once the time ran out.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled and no slice succeeded.</exception>
    public async ValueTask<(bool Done, T Result)> Wait<TMode, T>(
        ManagerOp op, long objectId, long timeoutMs, Action<WireBuffer, long> writeArgs, ReplyParser<T> parse, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        cancellationToken.ThrowIfCancellationRequested();
        var slices = new Slices(timeoutMs, sliced: TMode.IsAsync || cancellationToken.CanBeCanceled);
        while (true)
        {
            long ms = slices.Next(out bool last);
            (bool done, T result) = await Request<TMode, T>(op, objectId, ms, writeArgs, parse, cancellationToken).ConfigureAwait(false);
            if (done || last)
            {
                return (done, result);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// A channel whose proxy was dropped without being disposed (the proxy was collected; the README's examples do
    /// not dispose them): closes the connection, so that the manager ends this client's session (releasing the
    /// locks it held) and frees the thread, pipe and socket it served it with, and this process its descriptors and
    /// mapping. Nothing else refers to a channel but its proxy (and the calls under way on it, which keep it alive).
    /// </summary>
    ~ManagerChannel() => Close();

    /// <summary>
    /// Closes the connection at once, without waiting for the wire: a call waiting in the manager (for
    /// a lock, an item...) holds them, and must not hold up the disposal; it ends with an
    /// <see cref="ObjectDisposedException"/> as its connection closes.
    /// </summary>
    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    private void Close()
    {
        Volatile.Write(ref disposed, true);
        lock (connecting)
        {
            connection?.Dispose();
            socket?.Dispose();
        }
    }

    /// <summary>A reply's payload, or the manager's exception thrown here.</summary>
    private static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> frame)
    {
        if (frame.Length == 0)
        {
            throw new InvalidDataException("The manager sent an empty reply.");
        }

        if (frame[0] == 0)
        {
            return frame[1..];
        }

        (string name, int pid, RemoteExceptionInfo info) = WireCodec.Deserialize<(string, int, RemoteExceptionInfo)>(frame[1..]);
        throw new RemoteException(info, name, pid);
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

    /// <summary>Throws <see cref="ObjectDisposedException"/> for <paramref name="owner"/>, the proxy on this channel, once the channel is disposed (members that do not call the manager).</summary>
    public void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed), owner);

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

    /// <summary>The waits of one sliced blocking call.</summary>
    private struct Slices(long timeoutMs, bool sliced)
    {
        private readonly long start = Stopwatch.GetTimestamp();

        /// <summary>How long the next request may wait; <paramref name="last"/> once the caller's time is used up with it.</summary>
        public readonly long Next(out bool last)
        {
            if (!sliced || timeoutMs == 0)
            {
                last = true;
                return timeoutMs;
            }

            if (timeoutMs < 0)
            {
                last = false;
                return SliceMilliseconds;
            }

            long left = Math.Max(0, timeoutMs - (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            last = left <= SliceMilliseconds;
            return last ? left : SliceMilliseconds;
        }
    }

    private ManagerUnavailableException Unavailable(Exception e) =>
        new($"The manager at {Client.Describe(Address)} cannot be reached: its process has ended or closed the connection ({e.GetType().Name}: {e.Message}).", e);
}
