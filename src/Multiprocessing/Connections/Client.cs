using System.Net;
using System.Net.Sockets;
using Multiprocessing.Connections;

namespace Multiprocessing;

/// <summary>Connects to a <see cref="Listener"/> (Python's <c>multiprocessing.connection.Client</c>).</summary>
/// <remarks>
/// The client and the listener authenticate each other before <c>Connect</c> returns (see <see cref="Listener"/>):
/// with the same auth key on both ends, or none on both. The connection can then send and receive typed values and
/// raw bytes both ways. A connection belongs to the process that made it: it cannot be passed to a child process;
/// pass the listener's address and the key instead, and connect in the child.
/// </remarks>
public static class Client
{
    /// <summary>Connects to the listener at <paramref name="address"/> and authenticates (Python's <c>Client(address, authkey=...)</c>).</summary>
    /// <remarks>Waits, as Python does, while the listener is busy and has not accepted this connection yet.</remarks>
    /// <param name="address">The listener's <see cref="Listener.Address"/>: a <see cref="UnixDomainSocketEndPoint"/>, an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</param>
    /// <param name="authKey">The listener's key; null if it has none.</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <returns>The connection, ready for messages.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is of another kind, or <paramref name="authKey"/> is empty.</exception>
    /// <exception cref="SocketException">Nothing listens there (refused, no such socket file), or the host cannot be reached.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or one end has a key and the other none.</exception>
    /// <exception cref="InvalidDataException">What listens there is not a <see cref="Listener"/>.</exception>
    /// <exception cref="TimeoutException">The listener started the handshake but did not finish it within <see cref="ConnectionOptions.HandshakeTimeout"/>.</exception>
    /// <exception cref="IOException">The listener closed the connection during the handshake (<see cref="EndOfStreamException"/>), or went away.</exception>
    public static Connection Connect(EndPoint address, byte[]? authKey = null, ConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        byte[]? key = CopyKey(authKey);
        Socket socket = NewSocket(address);
        try
        {
            socket.Connect(address);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SocketConnection(socket, options ?? ConnectionOptions.Default, $"the listener at {Describe(address)}");
        connection.AuthenticateAsClient(key);
        return connection;
    }

    /// <summary>Connects asynchronously to the listener at <paramref name="address"/> and authenticates.</summary>
    /// <param name="address">The listener's <see cref="Listener.Address"/>: a <see cref="UnixDomainSocketEndPoint"/>, an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</param>
    /// <param name="authKey">The listener's key; null if it has none.</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <returns>The connection, ready for messages.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is of another kind, or <paramref name="authKey"/> is empty.</exception>
    /// <exception cref="SocketException">Nothing listens there, or the host cannot be reached.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or one end has a key and the other none.</exception>
    /// <exception cref="InvalidDataException">What listens there is not a <see cref="Listener"/>.</exception>
    /// <exception cref="TimeoutException">The listener started the handshake but did not finish it within <see cref="ConnectionOptions.HandshakeTimeout"/>.</exception>
    /// <exception cref="IOException">The listener closed the connection during the handshake (<see cref="EndOfStreamException"/>), or went away.</exception>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public static async ValueTask<Connection> ConnectAsync(EndPoint address, byte[]? authKey = null, ConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        byte[]? key = CopyKey(authKey);
        Socket socket = NewSocket(address);
        try
        {
            await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SocketConnection(socket, options ?? ConnectionOptions.Default, $"the listener at {Describe(address)}");
        await connection.AuthenticateAsClientAsync(key, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>A private copy of an auth key (the caller may change its array later).</summary>
    /// <exception cref="ArgumentException">The key is empty.</exception>
    internal static byte[]? CopyKey(byte[]? authKey, string paramName = "authKey")
    {
        if (authKey is null)
        {
            return null;
        }

        if (authKey.Length == 0)
        {
            throw new ArgumentException("An auth key must not be empty: pass null for no authentication, or a secret such as RandomNumberGenerator.GetBytes(32).", paramName);
        }

        return (byte[])authKey.Clone();
    }

    /// <summary>A stream socket for <paramref name="address"/>'s kind.</summary>
    /// <exception cref="ArgumentException">Not a Unix, IP or DNS endpoint.</exception>
    internal static Socket NewSocket(EndPoint address) => address switch
    {
        UnixDomainSocketEndPoint => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
        IPEndPoint ip => new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp),
        DnsEndPoint => new Socket(SocketType.Stream, ProtocolType.Tcp),
        _ => throw new ArgumentException(
            $"A connection goes to a UnixDomainSocketEndPoint, an IPEndPoint or a DnsEndPoint, not a {address.GetType().Name}.", nameof(address)),
    };

    /// <summary>An address as people write it: a path, <c>@name</c> (abstract), <c>host:port</c>.</summary>
    internal static string Describe(EndPoint address) => address switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => address.ToString() ?? address.GetType().Name,
    };
}
