using System.Diagnostics;
using System.Net.Sockets;
using Multiprocessing.Codec;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Managers;

// A channel's requests: the blocking and asynchronous calls, one request each, and the sliced waits.
internal sealed partial class ManagerChannel
{
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
}
