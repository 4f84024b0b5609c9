using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Multiprocessing.Connections;

/// <summary>
/// A <see cref="Listener"/>'s background acceptor: takes connections off the listening socket as they come, runs
/// their handshakes concurrently and asynchronously (no thread is held while a client is silent), and queues the
/// authenticated ones for <see cref="Listener.Accept"/> to take. A client that fails its handshake (wrong key, junk,
/// silence past <see cref="ConnectionOptions.HandshakeTimeout"/>, a hang-up) is closed here and never handed out,
/// so one slow or hostile client holds up no one else.
/// </summary>
/// <remarks>
/// <para>
/// Bounds: at most <see cref="MaxPending"/> handshakes are in flight; a connection that arrives when that many are
/// pending drops the oldest of them (closing it), so a flood of silent or dripping connections cannot lock good
/// clients out: a good client's handshake takes one round trip, far less than the time it takes that many newer
/// connections to arrive. Authenticated connections that <see cref="Listener.Accept"/> has not taken yet are held
/// up to <see cref="ConnectionOptions.Backlog"/>; while that many wait, no new connection is taken off the socket
/// (the operating system's backlog holds them, as before).
/// </para>
/// <para>
/// Costs: a few small allocations per connection (its handshake's state and a cancellation source), none per
/// message; the handshakes run on the thread pool's I/O completions.
/// </para>
/// </remarks>
internal sealed class HandshakeAcceptor : IDisposable
{
    /// <summary>The most handshakes in flight at once; beyond it, the oldest pending one is dropped.</summary>
    public const int MaxPending = 128;

    private readonly Socket socket;
    private readonly byte[]? key;
    private readonly ConnectionOptions options;
    private readonly Func<Socket, string> describe;
    private readonly Channel<SocketConnection> ready;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly LinkedList<CancellationTokenSource> pending = new();
    private readonly ILogger logger;
    private readonly string address;

    /// <param name="socket">The listening socket (owned by the listener).</param>
    /// <param name="key">The auth key, or null for none.</param>
    /// <param name="options">The connections' limits; <see cref="ConnectionOptions.Backlog"/> bounds the queue of authenticated connections.</param>
    /// <param name="describe">Who an accepted socket's peer is, for messages.</param>
    /// <param name="address">The listener's address, for the log.</param>
    public HandshakeAcceptor(Socket socket, byte[]? key, ConnectionOptions options, Func<Socket, string> describe, string address)
    {
        this.address = address;
        this.socket = socket;
        this.key = key;
        this.options = options;
        this.describe = describe;
        logger = MultiprocessingLogging.Resolve(options.LoggerFactory).CreateLogger<Listener>();
        ready = Channel.CreateBounded<SocketConnection>(new BoundedChannelOptions(options.Backlog) { FullMode = BoundedChannelFullMode.Wait });
        _ = Task.Run(LoopAsync);
    }

    /// <summary>The number of handshakes in flight (for tests).</summary>
    internal int PendingCount
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>Takes the next authenticated connection, waiting for one.</summary>
    /// <exception cref="ChannelClosedException">The acceptor was stopped (the listener closed), also during the wait.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing was taken.</exception>
    public ValueTask<SocketConnection> TakeAsync(CancellationToken cancellationToken) => ready.Reader.ReadAsync(cancellationToken);

    /// <summary>Takes the next authenticated connection if one is queued.</summary>
    public bool TryTake(out SocketConnection connection) => ready.Reader.TryRead(out connection!);

    /// <summary>Stops accepting, aborts every handshake under way and closes the connections no one has taken.</summary>
    /// <remarks>The source of the cancellations stays undisposed: handshakes that end later still unregister from it.</remarks>
    public void Dispose()
    {
        stop.Cancel(); // ends the loop and, through their linked tokens, every pending handshake
        ready.Writer.TryComplete();
        while (ready.Reader.TryRead(out SocketConnection? left))
        {
            left.Dispose();
        }
    }

    private async Task LoopAsync()
    {
        CancellationToken token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                // Room first: while Backlog authenticated connections wait to be taken, leave new ones in the OS backlog.
                if (!await ready.Writer.WaitToWriteAsync(token).ConfigureAwait(false))
                {
                    return;
                }

                accepted = await socket.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && token.IsCancellationRequested))
            {
                return; // the listener closed
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of descriptors or memory: give one back (the oldest pending handshake) and let it be reclaimed
                // before trying again, rather than spin on the error.
                DropOldest();
                try
                {
                    await Task.Delay(10, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }
            catch (SocketException)
            {
                continue; // that client was gone before it was accepted; the next one may not be
            }

            Begin(accepted);
        }
    }

    /// <summary>Starts the handshake of <paramref name="accepted"/>, dropping the oldest pending one if there are too many.</summary>
    private void Begin(Socket accepted)
    {
        SocketConnection connection;
        try
        {
            connection = new SocketConnection(accepted, options, describe(accepted));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            accepted.Dispose();
            return;
        }

        var abort = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        CancellationTokenSource? dropped = null;
        LinkedListNode<CancellationTokenSource> node;
        lock (gate)
        {
            if (pending.Count >= MaxPending)
            {
                dropped = pending.First!.Value;
                pending.RemoveFirst();
            }

            node = pending.AddLast(abort);
        }

        Cancel(dropped);
        _ = HandshakeAsync(connection, abort, node);
    }

    private async Task HandshakeAsync(SocketConnection connection, CancellationTokenSource abort, LinkedListNode<CancellationTokenSource> node)
    {
        try
        {
            await connection.AuthenticateAsListenerAsync(key, abort.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Refused, timed out, gone, dropped or the listener closed: that connection only (already closed by the handshake).
            connection.Dispose();
            if (!stop.IsCancellationRequested && logger.IsEnabled(LogLevel.Warning))
            {
                Diagnostics.Log.HandshakeFailed(logger, connection.Peer, address, e.Message, e);
            }

            return;
        }
        finally
        {
            lock (gate)
            {
                if (node.List is not null)
                {
                    pending.Remove(node);
                }
            }

            abort.Dispose();
        }

        try
        {
            await ready.Writer.WriteAsync(connection, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            connection.Dispose(); // the listener closed before anyone took it
        }
    }

    private void DropOldest()
    {
        CancellationTokenSource? oldest = null;
        lock (gate)
        {
            if (pending.First is { } first)
            {
                oldest = first.Value;
                pending.RemoveFirst();
            }
        }

        Cancel(oldest);
    }

    /// <summary>Aborts a pending handshake (which may have just finished and disposed its source).</summary>
    private static void Cancel(CancellationTokenSource? abort)
    {
        try
        {
            abort?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
