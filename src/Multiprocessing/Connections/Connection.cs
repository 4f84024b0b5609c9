using System.Buffers;
using System.Runtime.CompilerServices;
using Multiprocessing.Codec;

namespace Multiprocessing;

/// <summary>
/// One end of a message channel between processes (Python's <c>multiprocessing.connection.Connection</c>): the
/// ends of a <see cref="Pipe"/>, or a connection made by a <c>Listener</c> and a <c>Client</c>.
/// Messages keep their boundaries: each <c>Send</c> is one <c>Receive</c> on the other side.
/// </summary>
/// <remarks>
/// Values are encoded by their declared type (MessagePack, field by field; no type name crosses the wire), so
/// <see cref="Receive{T}(CancellationToken)"/> must name the type that was sent; send <see cref="object"/> to mix
/// primitive values. A connection is meant for one sending thread and one receiving thread at a time; use a
/// <c>SharedQueue&lt;T&gt;</c> for many producers or consumers. When the other end is closed or its process
/// died, receiving throws <see cref="EndOfStreamException"/> (Python's <c>EOFError</c>) once every message already
/// sent has been received.
/// </remarks>
public abstract partial class Connection : IDisposable, IAsyncDisposable, IWaitReady
{
    private readonly ArrayBufferWriter<byte> sendBuffer = new(256);
    private byte[] receiveBuffer = new byte[256];
    private int closed;

    private protected Connection(bool readable, bool writable)
    {
        Readable = readable;
        Writable = writable;
    }

    /// <summary>Whether this end can receive.</summary>
    public bool Readable { get; }

    /// <summary>Whether this end can send.</summary>
    public bool Writable { get; }

    /// <summary>Whether this end has been closed in this process.</summary>
    public bool IsClosed => Volatile.Read(ref closed) != 0;

    /// <summary>Sends <paramref name="value"/> as one message, encoded as <typeparamref name="T"/> (Python's <c>send(obj)</c>).</summary>
    /// <typeparam name="T">The declared type; the receiver names the same type.</typeparam>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The value cannot be encoded; nothing was sent.</exception>
    /// <exception cref="IOException">The other end is gone.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Send<T>(T value)
    {
        EnsureWritable();
        WriteFrame(Encode(value).Span);
    }

    /// <summary>Sends <paramref name="value"/> as one message.</summary>
    /// <typeparam name="T">The declared type; the receiver names the same type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Stops waiting for room.</param>
    /// <returns>A task that completes when the message is sent.</returns>
    /// <exception cref="ArgumentException">The value cannot be encoded; nothing was sent.</exception>
    public ValueTask SendAsync<T>(T value, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        return WriteFrameAsync(Encode(value), cancellationToken);
    }

    /// <summary>Sends raw bytes as one message (Python's <c>send_bytes</c>; slice the span for its offset and size).</summary>
    /// <param name="data">The bytes.</param>
    /// <exception cref="IOException">The other end is gone.</exception>
    public void SendBytes(ReadOnlySpan<byte> data)
    {
        EnsureWritable();
        WriteFrame(data);
    }

    /// <summary>Sends raw bytes as one message.</summary>
    /// <param name="data">The bytes; not to be changed until the task completes.</param>
    /// <param name="cancellationToken">Stops waiting for room.</param>
    /// <returns>A task that completes when the message is sent.</returns>
    public ValueTask SendBytesAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        return WriteFrameAsync(data, cancellationToken);
    }

    /// <summary>Receives the next message as a <typeparamref name="T"/> (Python's <c>recv()</c>), waiting for it.</summary>
    /// <typeparam name="T">The type the sender declared.</typeparam>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The value.</returns>
    /// <exception cref="EndOfStreamException">The other end is closed or dead and nothing is left to receive.</exception>
    /// <exception cref="InvalidDataException">
    /// The message is not a <typeparamref name="T"/>: truncated, of another type, an integer out of
    /// <typeparamref name="T"/>'s range, junk, or refused by <typeparamref name="T"/>'s constructor. The cause is the
    /// <see cref="Exception.InnerException"/>; the message is consumed, and the connection stays usable.
    /// </exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Receive<T>(CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        int length = ReadFrame(ref receiveBuffer, cancellationToken);
        return Decode<T>(receiveBuffer, length);
    }

    /// <summary>Receives the next message as a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The type the sender declared.</typeparam>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The value.</returns>
    /// <exception cref="EndOfStreamException">The other end is closed or dead and nothing is left to receive.</exception>
    /// <exception cref="InvalidDataException">The message is not a <typeparamref name="T"/>, as for <see cref="Receive{T}"/>.</exception>
    public async ValueTask<T> ReceiveAsync<T>(CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        (receiveBuffer, int length) = await ReadFrameAsync(receiveBuffer, cancellationToken).ConfigureAwait(false);
        return Decode<T>(receiveBuffer, length);
    }

    /// <summary>
    /// Receives the next message into this connection's own buffer and returns it there, without a copy: valid only
    /// until the next receive on this connection (the library's own loops, which decode each message at once).
    /// </summary>
    internal ReadOnlyMemory<byte> ReceiveFrame(CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        int length = ReadFrame(ref receiveBuffer, cancellationToken);
        return receiveBuffer.AsMemory(0, length);
    }

    /// <summary>The asynchronous twin of <see cref="ReceiveFrame"/>: the message in this connection's own buffer, valid only until the next receive.</summary>
    internal async ValueTask<ReadOnlyMemory<byte>> ReceiveFrameAsync(CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        (receiveBuffer, int length) = await ReadFrameAsync(receiveBuffer, cancellationToken).ConfigureAwait(false);
        return receiveBuffer.AsMemory(0, length);
    }

    /// <summary>Receives the next message as bytes (Python's <c>recv_bytes()</c>).</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A new array holding the message.</returns>
    /// <exception cref="EndOfStreamException">The other end is closed or dead and nothing is left to receive.</exception>
    public byte[] ReceiveBytes(CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        int length = ReadFrame(ref receiveBuffer, cancellationToken);
        return receiveBuffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Receives the next message as bytes.</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A new array holding the message.</returns>
    /// <exception cref="EndOfStreamException">The other end is closed or dead and nothing is left to receive.</exception>
    public async ValueTask<byte[]> ReceiveBytesAsync(CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        (receiveBuffer, int length) = await ReadFrameAsync(receiveBuffer, cancellationToken).ConfigureAwait(false);
        return receiveBuffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Receives the next message into <paramref name="buffer"/> (Python's <c>recv_bytes_into</c>).</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The message's length.</returns>
    /// <exception cref="BufferTooShortException">The message is longer than <paramref name="buffer"/>; it is consumed and carried by the exception's <see cref="BufferTooShortException.Received"/>.</exception>
    /// <exception cref="EndOfStreamException">The other end is closed or dead and nothing is left to receive.</exception>
    public int ReceiveBytesInto(Span<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        int length = ReadFrame(ref receiveBuffer, cancellationToken);
        return CopyOut(receiveBuffer, length, buffer);
    }

    /// <summary>Receives the next message into <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The message's length.</returns>
    /// <exception cref="BufferTooShortException">The message is longer than <paramref name="buffer"/>; it is consumed and carried by the exception's <see cref="BufferTooShortException.Received"/>.</exception>
    public async ValueTask<int> ReceiveBytesIntoAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        (receiveBuffer, int length) = await ReadFrameAsync(receiveBuffer, cancellationToken).ConfigureAwait(false);
        return CopyOut(receiveBuffer, length, buffer.Span);
    }

    /// <summary>Whether a message (or the end of the stream) can be received without waiting, after waiting at most <paramref name="timeout"/> (Python's <c>poll(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> to look and return, <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if <c>Receive</c> would not wait.</returns>
    public bool Poll(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        return PollCore(timeout, cancellationToken);
    }

    /// <summary>Waits asynchronously at most <paramref name="timeout"/> for a message.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True if <c>Receive</c> would not wait.</returns>
    public ValueTask<bool> PollAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        return PollCoreAsync(timeout, cancellationToken);
    }

    /// <summary>Closes this end (Python's <c>close()</c>); the other end sees the end of the stream.</summary>
    public void Close() => Dispose();

    /// <summary>Closes this end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref closed, 1) == 0)
        {
            CloseCore();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Closes this end.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes one whole message.</summary>
    private protected abstract void WriteFrame(ReadOnlySpan<byte> frame);

    /// <summary>Writes one whole message; <paramref name="frame"/> stays valid until the task completes.</summary>
    private protected abstract ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>Reads the next whole message into <paramref name="buffer"/>, replacing it by a larger array if needed; returns its length.</summary>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is gone.</exception>
    private protected abstract int ReadFrame(ref byte[] buffer, CancellationToken cancellationToken);

    /// <summary>Reads the next whole message into <paramref name="buffer"/> or a larger array; returns the array used and the length.</summary>
    private protected abstract ValueTask<(byte[] Buffer, int Length)> ReadFrameAsync(byte[] buffer, CancellationToken cancellationToken);

    /// <summary>Waits at most <paramref name="timeout"/> until a read would not wait.</summary>
    private protected abstract bool PollCore(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Waits asynchronously at most <paramref name="timeout"/> until a read would not wait.</summary>
    private protected abstract ValueTask<bool> PollCoreAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Releases this end's resources; called once.</summary>
    private protected abstract void CloseCore();

    /// <summary>Throws <see cref="ObjectDisposedException"/> once closed.</summary>
    private protected void ThrowIfClosed() => ObjectDisposedException.ThrowIf(IsClosed, this);

    private static int CopyOut(byte[] frame, int length, Span<byte> destination)
    {
        if (length > destination.Length)
        {
            throw new BufferTooShortException(frame.AsSpan(0, length).ToArray(), destination.Length);
        }

        frame.AsSpan(0, length).CopyTo(destination);
        return length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Decode<T>(byte[] frame, int length)
    {
        try
        {
            return WireCodec.Deserialize<T>(frame.AsMemory(0, length));
        }
        catch (Exception e) when (WireCodec.IsDecodeFailure(e))
        {
            throw WireCodec.DecodeFailure($"A message could not be decoded as {TypeNames.Display(typeof(T))}", e);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlyMemory<byte> Encode<T>(T value)
    {
        sendBuffer.ResetWrittenCount();
        try
        {
            WireCodec.Serialize(sendBuffer, value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw WireCodec.EncodeFailure("the message", nameof(value), typeof(T), e);
        }

        return sendBuffer.WrittenMemory;
    }

    private void EnsureWritable()
    {
        ThrowIfClosed();
        if (!Writable)
        {
            throw new InvalidOperationException("This end of the connection is read-only.");
        }
    }

    private void EnsureReadable()
    {
        ThrowIfClosed();
        if (!Readable)
        {
            throw new InvalidOperationException("This end of the connection is write-only.");
        }
    }
}
