using Microsoft.Extensions.Logging;

namespace Multiprocessing;

/// <summary>Limits of the connections a <see cref="Listener"/> accepts and a <see cref="Client"/> makes.</summary>
/// <remarks>Each end applies its own options: give both ends the same <see cref="MaxMessageSize"/> if one sends large messages.</remarks>
public sealed class ConnectionOptions
{
    private readonly int maxMessageSize = 64 * 1024 * 1024;
    private readonly TimeSpan handshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly int backlog = 128;

    /// <summary>The options used when none are given.</summary>
    internal static ConnectionOptions Default { get; } = new();

    /// <summary>
    /// The largest message, in bytes, that this end sends or receives; default 64 MiB. Sending a larger one throws
    /// <see cref="ArgumentException"/> and sends nothing; receiving one throws <see cref="InvalidDataException"/>
    /// and closes the connection, without making room for it first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1 or more than <see cref="Array.MaxLength"/>.</exception>
    public int MaxMessageSize
    {
        get => maxMessageSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength);
            maxMessageSize = value;
        }
    }

    /// <summary>
    /// How long the authentication handshake of one connection may take; default 10 s. On a listener the time
    /// counts from the moment its background acceptor takes the connection: a client that connects and says
    /// nothing is closed after this long (and never returned by <see cref="Listener.Accept"/>; other clients are
    /// not held up meanwhile). On a client it counts from the
    /// moment the listener starts the handshake, so a client waits for a busy listener to get round to accepting it,
    /// as in Python (bound that wait with <see cref="Client.ConnectAsync"/>'s token).
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero or negative, and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan HandshakeTimeout
    {
        get => handshakeTimeout;
        init
        {
            if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The handshake timeout must be positive (at most int.MaxValue milliseconds), or Timeout.InfiniteTimeSpan.");
            }

            handshakeTimeout = value;
        }
    }

    /// <summary>How many connections a <see cref="Listener"/>'s operating system queue holds until they are accepted; default 128 (Python's default is 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int Backlog
    {
        get => backlog;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            backlog = value;
        }
    }

    /// <summary>
    /// Where a <see cref="Listener"/> logs the connections that failed their handshake (the peer, with its pid on a
    /// Unix socket, and why), category <c>Multiprocessing.Listener</c>. Default: <see cref="MultiprocessingLogging.LoggerFactory"/>.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
