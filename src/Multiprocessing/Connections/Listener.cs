using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Multiprocessing.Connections;

namespace Multiprocessing;

/// <summary>
/// Waits for <see cref="Client"/> connections on a Unix domain socket or a TCP port, and authenticates each one
/// (Python's <c>multiprocessing.connection.Listener</c>).
/// </summary>
/// <remarks>
/// <para>
/// With an auth key, every connection starts with a mutual challenge–response: the listener checks that the client
/// has the key (HMAC-SHA256 of a fresh 32-byte challenge), then the client checks the listener the same way, before
/// any message is decoded. Without a key (<c>null</c>, Python's <c>authkey=None</c>) there is no authentication:
/// any process that can reach the address can connect and send messages — on TCP that includes every local user,
/// and every host that can reach the port if you bind to a non-loopback address. Authentication is not
/// encryption: the messages themselves cross in the clear.
/// </para>
/// <para>
/// From the first <see cref="Accept"/> or <see cref="AcceptAsync"/> on, a background acceptor takes every
/// connection as it arrives and runs the handshakes concurrently, without a thread each; <see cref="Accept"/> returns
/// the next client that completed its handshake. A client with the wrong key, one that sends bytes that are not this
/// library's handshake, one that hangs up, or one that does not finish within
/// <see cref="ConnectionOptions.HandshakeTimeout"/> is closed there and never returned: it delays no other client.
/// At most 128 handshakes are in flight; a connection that arrives beyond that drops the oldest pending one, so a
/// flood of silent or dripping connections cannot lock good clients out. Authenticated clients that no call has
/// taken yet are held up to <see cref="ConnectionOptions.Backlog"/>; beyond that, new ones wait in the operating
/// system's backlog. Before the first accept, clients wait in that backlog (as in Python). Unlike Python's
/// <c>accept()</c>, which raises <c>AuthenticationError</c> for a client with the wrong key, these failures are not
/// reported to the caller.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// byte[] key = RandomNumberGenerator.GetBytes(32);
/// using var listener = Listener.Create(key);
/// using var child = ChildProcess.Start(static (string path, byte[] k) =>
/// {
///     using Connection c = Client.Connect(new UnixDomainSocketEndPoint(path), k);
///     c.Send("hello");
/// }, listener.Address.ToString(), key);
/// using Connection conn = listener.Accept();
/// Console.WriteLine(conn.Receive&lt;string&gt;());  // hello
/// </code>
/// </example>
public sealed class Listener : IDisposable, IAsyncDisposable
{
    /// <summary>Room in <c>sockaddr_un</c> for a path, its terminating zero excluded (108 bytes on Linux).</summary>
    private const int MaxUnixPath = 107;

    private readonly Socket socket;
    private readonly byte[]? authKey;
    private readonly ConnectionOptions options;
    private readonly string? socketFile;
    private readonly string? privateDirectory;
    private HandshakeAcceptor? acceptor;
    private int closed;

    private Listener(Socket socket, EndPoint address, byte[]? authKey, ConnectionOptions options, string? socketFile, string? privateDirectory)
    {
        this.socket = socket;
        Address = address;
        this.authKey = authKey;
        this.options = options;
        this.socketFile = socketFile;
        this.privateDirectory = privateDirectory;
    }

    /// <summary>
    /// The address clients connect to (Python's <c>address</c>): a <see cref="UnixDomainSocketEndPoint"/>, or an
    /// <see cref="IPEndPoint"/> with the port actually bound. Pass it to <see cref="Client.Connect"/>; to give it
    /// to a child process, pass its path (<c>ToString()</c>) or port and rebuild the endpoint there.
    /// </summary>
    public EndPoint Address { get; }

    /// <summary>Whether <see cref="Close"/> or <see cref="Dispose"/> has been called.</summary>
    public bool IsClosed => Volatile.Read(ref closed) != 0;

    /// <summary>
    /// Listens on a fresh Unix domain socket (Python's default address): a file in a new private directory
    /// (permissions 0700, so only this user's processes can connect) under the temp folder, both removed when the
    /// listener is closed, or by the resource tracker if this process ends without closing it (even by SIGKILL); or,
    /// if the temp folder's path is too long for a socket, a unique name in Linux's abstract namespace.
    /// </summary>
    /// <param name="authKey">The key both ends must have; null for no authentication (see the remarks on <see cref="Listener"/>).</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <returns>The listener.</returns>
    /// <exception cref="ArgumentException"><paramref name="authKey"/> is empty.</exception>
    /// <exception cref="IOException">The resource tracker process, which removes the folder if this process dies, could not be started.</exception>
    public static Listener Create(byte[]? authKey = null, ConnectionOptions? options = null)
    {
        byte[]? key = Client.CopyKey(authKey);
        DirectoryInfo directory = Directory.CreateTempSubdirectory("mpnet-");
        try
        {
            string path = Path.Combine(directory.FullName, "listener.sock");
            if (Encoding.UTF8.GetByteCount(path) <= MaxUnixPath)
            {
                Listener listener = Bind(new UnixDomainSocketEndPoint(path), key, options, path, directory.FullName);
                try
                {
                    // Removed by the resource tracker if this process dies without closing the listener.
                    Sharing.ResourceTracker.WatchFolder(directory.Name);
                }
                catch
                {
                    listener.Dispose();
                    throw;
                }

                return listener;
            }

            directory.Delete();
            return Bind(new UnixDomainSocketEndPoint($"\0mpnet-listener-{Guid.NewGuid():N}"), key, options, null, null);
        }
        catch
        {
            if (Directory.Exists(directory.FullName))
            {
                directory.Delete(recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// Listens on <paramref name="address"/>: a <see cref="UnixDomainSocketEndPoint"/> (a path, whose socket file is
    /// removed when the listener is closed, as Python does; or a name in the abstract namespace, starting with
    /// <c>'\0'</c>), or an <see cref="IPEndPoint"/>, used as given: <see cref="IPAddress.Any"/> accepts connections
    /// from other hosts.
    /// </summary>
    /// <param name="address">Where to listen.</param>
    /// <param name="authKey">The key both ends must have; null for no authentication (see the remarks on <see cref="Listener"/>).</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <returns>The listener.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is neither kind, or <paramref name="authKey"/> is empty.</exception>
    /// <exception cref="SocketException">The address cannot be bound (in use, no permission, no such directory).</exception>
    public static Listener Create(EndPoint address, byte[]? authKey = null, ConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        byte[]? key = Client.CopyKey(authKey);
        switch (address)
        {
            case UnixDomainSocketEndPoint unix:
                string? path = FilePath(unix);
                if (path is not null && !Path.IsPathRooted(path) && Encoding.UTF8.GetByteCount(Path.GetFullPath(path)) <= MaxUnixPath)
                {
                    // A child process may run elsewhere: give it the full path.
                    path = Path.GetFullPath(path);
                    unix = new UnixDomainSocketEndPoint(path);
                }

                return Bind(unix, key, options, path, null);
            case IPEndPoint ip:
                return Bind(ip, key, options, null, null);
            default:
                throw new ArgumentException(
                    $"A listener binds a UnixDomainSocketEndPoint or an IPEndPoint, not a {address.GetType().Name}; resolve a host name with Dns first.", nameof(address));
        }
    }

    /// <summary>Listens on TCP on the loopback interface (127.0.0.1): only this machine can connect.</summary>
    /// <param name="port">The port; 0 for any free port (read it from <see cref="Address"/>).</param>
    /// <param name="authKey">The key both ends must have; null for no authentication (any local process can then connect).</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <returns>The listener.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 0 to 65535.</exception>
    /// <exception cref="ArgumentException"><paramref name="authKey"/> is empty.</exception>
    /// <exception cref="SocketException">The port cannot be bound (in use, no permission).</exception>
    public static Listener CreateTcp(int port = 0, byte[]? authKey = null, ConnectionOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, IPEndPoint.MinPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        return Bind(new IPEndPoint(IPAddress.Loopback, port), Client.CopyKey(authKey), options, null, null);
    }

    /// <summary>
    /// Waits for the next authenticated client (Python's <c>accept()</c>). Handshakes run in the background,
    /// concurrently (see the remarks on <see cref="Listener"/>): a client that fails its handshake is closed there
    /// and never returned, so this returns the next client that proved it has the key, however many others are
    /// silent or misbehave meanwhile.
    /// </summary>
    /// <returns>The connection to that client, ready for messages.</returns>
    /// <exception cref="ObjectDisposedException">The listener is closed, also when another thread closes it during the wait.</exception>
    public Connection Accept() => AcceptAuthenticated();

    /// <summary>
    /// Waits asynchronously for the next authenticated client; see <see cref="Accept"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait; no connection is lost (a client authenticated meanwhile is returned by the next call).</param>
    /// <returns>The connection to that client, ready for messages.</returns>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    /// <exception cref="ObjectDisposedException">The listener is closed, also when another thread closes it during the wait.</exception>
    public async ValueTask<Connection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        try
        {
            return await Acceptor().TakeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw ClosedDuringWait(e);
        }
    }

    /// <summary>The next authenticated connection, as the socket connection it is (for the manager's server).</summary>
    /// <exception cref="ObjectDisposedException">The listener is closed, also when another thread closes it during the wait.</exception>
    internal SocketConnection AcceptAuthenticated()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        HandshakeAcceptor from = Acceptor();
        if (from.TryTake(out SocketConnection? ready))
        {
            return ready;
        }

        try
        {
            return from.TakeAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e)
        {
            throw ClosedDuringWait(e);
        }
    }

    /// <summary>The handshakes in flight (for tests); 0 before the first accept.</summary>
    internal int PendingHandshakes => Volatile.Read(ref acceptor)?.PendingCount ?? 0;

    /// <summary>The background acceptor, started by the first accept (so that until then clients wait in the backlog, as in Python).</summary>
    /// <exception cref="ObjectDisposedException">The listener is closed.</exception>
    private HandshakeAcceptor Acceptor()
    {
        if (Volatile.Read(ref acceptor) is { } started)
        {
            return started;
        }

        lock (socket)
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            acceptor ??= new HandshakeAcceptor(socket, authKey, options, ClientName, Client.Describe(Address));
            return acceptor;
        }
    }

    /// <summary>Stops listening (Python's <c>close()</c>) and removes the socket file it made; connections already accepted stay open.</summary>
    public void Close() => Dispose();

    /// <summary>Stops listening and removes the socket file it made.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        socket.Dispose();
        lock (socket)
        {
            acceptor?.Dispose(); // aborts the handshakes under way; closes the connections no one took
        }

        try
        {
            if (privateDirectory is not null)
            {
                Directory.Delete(privateDirectory, recursive: true);
                Sharing.ResourceTracker.ForgetFolder(Path.GetFileName(privateDirectory));
            }
            else if (socketFile is not null)
            {
                File.Delete(socketFile);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Someone else removed or took it: nothing of ours is left to clean.
        }
    }

    /// <summary>Stops listening and removes the socket file it made.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The listener, for messages.</summary>
    /// <returns>"Listener at" and the address.</returns>
    public override string ToString() => $"Listener at {Client.Describe(Address)}";

    private static Listener Bind(EndPoint address, byte[]? key, ConnectionOptions? options, string? socketFile, string? privateDirectory)
    {
        options ??= ConnectionOptions.Default;
        Socket socket = Client.NewSocket(address);
        try
        {
            socket.Bind(address);
            socket.Listen(options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        EndPoint bound = address is IPEndPoint ? socket.LocalEndPoint! : address;
        return new Listener(socket, bound, key, options, socketFile, privateDirectory);
    }

    /// <summary>The file behind a Unix endpoint, or null for an abstract name.</summary>
    private static string? FilePath(UnixDomainSocketEndPoint endpoint)
    {
        SocketAddress raw = endpoint.Serialize();
        bool isAbstract = raw.Size > 2 && raw[2] == 0; // sun_path starts with a zero byte
        return isAbstract ? null : endpoint.ToString();
    }

    private static string ClientName(Socket accepted)
    {
        if (accepted.AddressFamily == AddressFamily.Unix)
        {
            // SO_PEERCRED: the connecting process's pid, uid and gid.
            Span<byte> credentials = stackalloc byte[12];
            try
            {
                if (accepted.GetRawSocketOption(1, 17, credentials) == 12)
                {
                    return $"a client (pid {BitConverter.ToInt32(credentials)})";
                }
            }
            catch (SocketException)
            {
            }

            return "a client";
        }

        try
        {
            return accepted.RemoteEndPoint is { } remote ? $"a client at {remote}" : "a client";
        }
        catch (SocketException)
        {
            return "a client"; // it has gone already; the handshake will say so
        }
    }

    private ObjectDisposedException ClosedDuringWait(Exception e) =>
        new(ToString(), e.Message + " (the listener was closed while waiting for a client)");
}
