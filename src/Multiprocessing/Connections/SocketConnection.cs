using System.Buffers.Binary;
using System.Net.Sockets;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Connections;

/// <summary>
/// A <see cref="Connection"/> over a connected stream socket (Unix domain or TCP), made by <see cref="Listener"/>
/// and <see cref="Client"/>. Each message is a frame: its length as a 4-byte big-endian signed integer, then its
/// bytes (the framing of Python's <c>multiprocessing.connection</c>, without its escape for messages over 2 GiB).
/// </summary>
/// <remarks>
/// A frame longer than <see cref="ConnectionOptions.MaxMessageSize"/> is refused before anything is sent, and on
/// receipt before any room is made for it (the connection is then closed: what follows in the stream is that
/// frame's bytes). Room for a large frame grows as its bytes arrive, so a peer that claims a large size and sends
/// little costs little memory. A receive cancelled before any byte of a frame arrived leaves the connection
/// usable; one cancelled in the middle of a frame, or a send cancelled while it waited for room, closes it, since
/// the stream no longer has message boundaries.
/// </remarks>
internal sealed partial class SocketConnection : Connection
{
    /// <summary>The length prefix.</summary>
    private const int HeaderSize = 4;

    /// <summary>Frames up to this size go out with their length prefix in one send (one syscall, one segment).</summary>
    private const int CoalesceLimit = 16 * 1024;

    /// <summary>Room made at once for a frame; a longer one grows (doubling) as its bytes arrive.</summary>
    private const int UpfrontLimit = 1024 * 1024;

    private readonly Socket socket;
    private readonly int maxMessageSize;
    private readonly TimeSpan handshakeTimeout;
    private readonly byte[] header = new byte[HeaderSize];
    private byte[]? sendScratch;

    /// <param name="socket">A connected stream socket; owned from now on.</param>
    /// <param name="options">The limits.</param>
    /// <param name="peer">Who is at the other end, for messages: "the listener at …", "a client".</param>
    public SocketConnection(Socket socket, ConnectionOptions options, string peer)
        : base(readable: true, writable: true)
    {
        this.socket = socket;
        maxMessageSize = options.MaxMessageSize;
        handshakeTimeout = options.HandshakeTimeout;
        Peer = peer;
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true; // a message is sent whole; do not wait to coalesce it with the next one
        }
    }

    /// <summary>Who is at the other end, for messages.</summary>
    public string Peer { get; }

    /// <summary>The connection, for messages.</summary>
    public override string ToString() => $"a connection with {Peer}";

    private protected override void WriteFrame(ReadOnlySpan<byte> frame)
    {
        CheckOutgoingSize(frame.Length);
        try
        {
            if (frame.Length <= CoalesceLimit)
            {
                Span<byte> whole = SendScratch.AsSpan(0, HeaderSize + frame.Length);
                BinaryPrimitives.WriteInt32BigEndian(whole, frame.Length);
                frame.CopyTo(whole[HeaderSize..]);
                SendAll(whole);
            }
            else
            {
                Span<byte> prefix = stackalloc byte[HeaderSize];
                BinaryPrimitives.WriteInt32BigEndian(prefix, frame.Length);
                SendAll(prefix);
                SendAll(frame);
            }
        }
        catch (SocketException e)
        {
            throw SendFailure(e);
        }
        catch (ObjectDisposedException) when (IsClosed)
        {
            ThrowIfClosed();
            throw;
        }
    }

    private protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        CheckOutgoingSize(frame.Length);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] scratch = SendScratch;
        try
        {
            if (frame.Length <= CoalesceLimit)
            {
                BinaryPrimitives.WriteInt32BigEndian(scratch, frame.Length);
                frame.Span.CopyTo(scratch.AsSpan(HeaderSize));
                await SendAllAsync(scratch.AsMemory(0, HeaderSize + frame.Length), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                BinaryPrimitives.WriteInt32BigEndian(scratch, frame.Length);
                await SendAllAsync(scratch.AsMemory(0, HeaderSize), cancellationToken).ConfigureAwait(false);
                await SendAllAsync(frame, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // A send that waited for room may have sent part of the frame: the stream has lost its boundaries.
            Dispose();
            throw;
        }
        catch (SocketException e)
        {
            throw SendFailure(e);
        }
        catch (ObjectDisposedException) when (IsClosed)
        {
            ThrowIfClosed();
            throw;
        }
    }

    private protected override int ReadFrame(ref byte[] buffer, CancellationToken cancellationToken)
    {
        (buffer, int length) = Blocking.Wait(ReadFrame<Blocking>(buffer, maxMessageSize, handshake: false, cancellationToken));
        return length;
    }

    private protected override ValueTask<(byte[] Buffer, int Length)> ReadFrameAsync(byte[] buffer, CancellationToken cancellationToken) =>
        ReadFrame<Awaiting>(buffer, maxMessageSize, handshake: false, cancellationToken);

    private protected override bool PollCore(TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitReadable(Deadline.After(timeout), cancellationToken);

    private protected override async ValueTask<bool> PollCoreAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.After(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        if (WaitReadable(Deadline.After(TimeSpan.Zero), CancellationToken.None))
        {
            return true;
        }

        long remaining = deadline.RemainingMs; // -1: for ever
        if (remaining == 0)
        {
            return false;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (remaining is > 0 and <= int.MaxValue) // beyond 24 days: as good as for ever
        {
            linked.CancelAfter(TimeSpan.FromMilliseconds(remaining));
        }

        try
        {
            // A zero-byte receive completes when the socket is readable (data, end of stream or error) and consumes nothing.
            _ = await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // readable with an error: Receive reports it
        }
        catch (ObjectDisposedException) when (IsClosed)
        {
            ThrowIfClosed();
            throw;
        }
    }

    /// <summary>
    /// Whether the peer has closed its end (or the socket failed), without consuming anything: readable with
    /// nothing to read. Only meaningful while the peer is not expected to send, as when a manager client waits
    /// for the reply to a blocking call.
    /// </summary>
    internal bool PeerClosed()
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private protected override void CloseCore()
    {
        socket.Dispose();
        DisposeWake();
    }

    /// <summary>Reads one frame of at most <paramref name="max"/> bytes into <paramref name="buffer"/> or a larger array (both forms: see <see cref="IWaitMode"/>).</summary>
    /// <remarks>A frame cut short by the token (some of its bytes read) closes the connection: the stream has lost its boundaries.</remarks>
    /// <exception cref="OperationCanceledException">The token fired (a handshake's timeout comes this way: see <see cref="Run{TMode}"/>).</exception>
    /// <exception cref="InvalidDataException">The frame is longer than <paramref name="max"/>, or its length is negative (the connection is closed).</exception>
    /// <exception cref="EndOfStreamException">The peer closed the connection.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="ObjectDisposedException">The connection was closed in this process.</exception>
    private async ValueTask<(byte[] Buffer, int Length)> ReadFrame<TMode>(byte[] buffer, int max, bool handshake, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        int consumed = 0;
        try
        {
            while (consumed < HeaderSize)
            {
                consumed += await Receive<TMode>(header.AsMemory(consumed), consumed, handshake, cancellationToken).ConfigureAwait(false);
            }

            int length = IncomingLength(max, handshake);
            buffer = Room(buffer, length);
            int got = 0;
            while (got < length)
            {
                if (got == buffer.Length)
                {
                    buffer = Grow(buffer, length);
                }

                int n = await Receive<TMode>(buffer.AsMemory(got, Math.Min(buffer.Length, length) - got), consumed, handshake, cancellationToken).ConfigureAwait(false);
                got += n;
                consumed += n;
            }

            return (buffer, length);
        }
        catch (OperationCanceledException) when (consumed > 0)
        {
            Dispose(); // part of a frame is gone: the stream has lost its boundaries
            throw;
        }
    }

    /// <summary>Receives at least one byte into <paramref name="into"/>.</summary>
    /// <param name="into">Where.</param>
    /// <param name="consumed">Bytes of this frame already received (0: between messages).</param>
    /// <param name="handshake">Whether this is the handshake (for messages).</param>
    /// <param name="cancellationToken">Stops the wait: a blocking receive then first waits until the socket is readable (<see cref="WaitReadable"/>), which the token can end.</param>
    private async ValueTask<int> Receive<TMode>(Memory<byte> into, int consumed, bool handshake, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        if (!TMode.IsAsync && cancellationToken.CanBeCanceled)
        {
            WaitReadable(Deadline.Never, cancellationToken);
        }

        int n;
        try
        {
            n = TMode.IsAsync
                ? await socket.ReceiveAsync(into, SocketFlags.None, cancellationToken).ConfigureAwait(false)
                : socket.Receive(into.Span, SocketFlags.None);
        }
        catch (SocketException e)
        {
            throw ReceiveFailure(e, consumed, handshake);
        }
        catch (ObjectDisposedException) when (IsClosed)
        {
            ThrowIfClosed();
            throw;
        }

        return n > 0 ? n : throw NothingMore(consumed, handshake);
    }

    /// <summary>Sends all of <paramref name="data"/> (both forms; a blocking send takes no token).</summary>
    private async ValueTask SendAll<TMode>(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        while (!data.IsEmpty)
        {
            int sent = TMode.IsAsync
                ? await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false)
                : socket.Send(data.Span, SocketFlags.None);
            data = data[sent..];
        }
    }

    private void SendAll(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data, SocketFlags.None)..];
        }
    }

    private ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendAll<Awaiting>(data, cancellationToken);

    private byte[] SendScratch => sendScratch ??= new byte[HeaderSize + CoalesceLimit];

    private void CheckOutgoingSize(int length)
    {
        if (length > maxMessageSize)
        {
            throw new ArgumentException(
                $"The message has {length} bytes, more than this connection's MaxMessageSize of {maxMessageSize} bytes; nothing was sent. " +
                "Send it in parts, or raise ConnectionOptions.MaxMessageSize on both ends.");
        }
    }

    /// <summary>The length in the header just received; refuses one over <paramref name="max"/> (and closes the connection).</summary>
    private int IncomingLength(int max, bool handshake)
    {
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length >= 0 && length <= max)
        {
            return length;
        }

        Dispose();
        string claimed = length < 0 ? $"a negative length ({length})" : $"{length} bytes";
        throw new InvalidDataException(handshake
            ? $"{Capitalized(Peer)} is not speaking this library's protocol: a handshake message claims {claimed}, at most {max} expected. The connection is closed."
            : $"{Capitalized(Peer)} sent a message of {claimed}, more than this connection's MaxMessageSize of {max} bytes. The connection is closed; raise ConnectionOptions.MaxMessageSize to accept larger messages.");
    }

    /// <summary>An array for a frame of <paramref name="length"/> bytes: the current one, or a new one of at most <see cref="UpfrontLimit"/> bytes.</summary>
    private static byte[] Room(byte[] buffer, int length)
    {
        if (length <= buffer.Length)
        {
            // After a large message, do not keep its room for ever.
            return buffer.Length > 4 * UpfrontLimit && length <= UpfrontLimit ? new byte[Math.Max(length, 256)] : buffer;
        }

        return new byte[Math.Min(length, Math.Max(UpfrontLimit, buffer.Length))];
    }

    /// <summary>Doubles <paramref name="buffer"/> (up to <paramref name="length"/>), keeping what it holds.</summary>
    private static byte[] Grow(byte[] buffer, int length)
    {
        byte[] larger = new byte[(int)Math.Min(length, 2L * buffer.Length)];
        buffer.CopyTo(larger, 0);
        return larger;
    }

    /// <summary>A receive returned 0: the peer closed, or this end was closed by another thread.</summary>
    private Exception NothingMore(int consumed, bool handshake) =>
        IsClosed
            ? new ObjectDisposedException(GetType().FullName, "The connection was closed in this process while it was receiving.")
            : EndOfStream(consumed, handshake);

    private EndOfStreamException EndOfStream(int consumed, bool handshake)
    {
        if (handshake)
        {
            return new EndOfStreamException($"{Capitalized(Peer)} closed the connection during the handshake.");
        }

        return consumed == 0
            ? new EndOfStreamException($"{Capitalized(Peer)} closed the connection (or its process ended); no message is left to receive.")
            : new EndOfStreamException($"{Capitalized(Peer)} closed the connection (or its process ended) in the middle of a message.");
    }

    private Exception ReceiveFailure(SocketException e, int consumed, bool handshake)
    {
        if (IsClosed)
        {
            return new ObjectDisposedException(GetType().FullName, "The connection was closed in this process while it was receiving.");
        }

        if (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            // The peer closed (or died) with data of ours unread: for the reader it is the end of the stream.
            return new EndOfStreamException($"{EndOfStream(consumed, handshake).Message} (connection reset)", e);
        }

        return new IOException($"Receiving from {Peer} failed: {e.Message}", e);
    }

    private Exception SendFailure(SocketException e)
    {
        if (IsClosed)
        {
            return new ObjectDisposedException(GetType().FullName, "The connection was closed in this process while it was sending.");
        }

        return e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
            ? new IOException($"{Capitalized(Peer)} is gone (it closed the connection or its process ended); the message was not delivered.", e)
            : new IOException($"Sending to {Peer} failed: {e.Message}", e);
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
