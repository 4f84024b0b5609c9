using System.Buffers.Binary;
using System.Net.Sockets;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Connections;

/// <summary>The handshake's exchanges (see <see cref="Handshake"/>), blocking and asynchronous; on any failure the connection is closed.</summary>
internal sealed partial class SocketConnection
{
    /// <summary>
    /// Authenticates the client at the other end (run by a listener's <see cref="HandshakeAcceptor"/>, many at
    /// once, no thread held while the client is silent); completes when the connection may be handed out.
    /// </summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or one end has none.</exception>
    /// <exception cref="InvalidDataException">The client does not speak this protocol.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="ConnectionOptions.HandshakeTimeout"/>.</exception>
    /// <exception cref="IOException">The client went away.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (the handshake was dropped, or the listener closed).</exception>
    public async ValueTask AuthenticateAsListenerAsync(byte[]? key, CancellationToken cancellationToken)
    {
        var handshake = new Handshake(key, Peer);
        byte[] buffer = new byte[Handshake.MaxFrame];
        await RunAsync(async token =>
        {
            await SendHandshakeAsync(handshake.Hello(), token).ConfigureAwait(false);
            (_, int n) = await ReadFrameAsync(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
            (byte[]? verdict, Exception? failure) = handshake.OnAnswer(buffer.AsSpan(0, n));
            await FinishAsync(verdict, failure, token).ConfigureAwait(false);
            if (handshake.AwaitsConfirmation)
            {
                (_, n) = await ReadFrameAsync(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
                await FinishAsync(null, handshake.OnConfirmation(buffer.AsSpan(0, n)), token).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Authenticates with the listener at the other end; returns when messages may flow.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or one end has none.</exception>
    /// <exception cref="InvalidDataException">The other end is not a <see cref="Listener"/>.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="ConnectionOptions.HandshakeTimeout"/>.</exception>
    /// <exception cref="IOException">The listener went away.</exception>
    public void AuthenticateAsClient(byte[]? key)
    {
        var handshake = new Handshake(key, Peer);
        byte[] buffer = new byte[Handshake.MaxFrame];
        Run(() =>
        {
            // A busy listener accepts when it can, as in Python: the clock starts when it begins the handshake.
            _ = WaitReadable(Deadline.Never, CancellationToken.None);
            var deadline = Deadline.After(handshakeTimeout);
            int n = ReadFrame(ref buffer, Handshake.MaxFrame, deadline, handshake: true, CancellationToken.None);
            (byte[]? answer, Exception? failure) = handshake.OnHello(buffer.AsSpan(0, n));
            Finish(answer, failure);
            n = ReadFrame(ref buffer, Handshake.MaxFrame, deadline, handshake: true, CancellationToken.None);
            (byte[]? confirmation, failure) = handshake.OnVerdict(buffer.AsSpan(0, n));
            Finish(confirmation, failure);
        });
    }

    /// <summary>The asynchronous twin of <see cref="AuthenticateAsClient"/>.</summary>
    public async ValueTask AuthenticateAsClientAsync(byte[]? key, CancellationToken cancellationToken)
    {
        var handshake = new Handshake(key, Peer);
        byte[] buffer = new byte[Handshake.MaxFrame];
        await RunAsync(async token =>
        {
            (_, int n) = await ReadFrameAsync(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
            (byte[]? answer, Exception? failure) = handshake.OnHello(buffer.AsSpan(0, n));
            await FinishAsync(answer, failure, token).ConfigureAwait(false);
            (_, n) = await ReadFrameAsync(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
            (byte[]? confirmation, failure) = handshake.OnVerdict(buffer.AsSpan(0, n));
            await FinishAsync(confirmation, failure, token).ConfigureAwait(false);
        }, cancellationToken, clockStartsWhenPeerSpeaks: true).ConfigureAwait(false);
    }

    /// <summary>Runs a blocking exchange; closes the connection if it fails.</summary>
    private void Run(Action exchange)
    {
        try
        {
            exchange();
        }
        catch (SocketException e)
        {
            Exception failure = HandshakeFailure(e);
            Dispose();
            throw failure;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs an asynchronous exchange under the handshake timeout, which starts now or, with
    /// <paramref name="clockStartsWhenPeerSpeaks"/>, when the peer first sends something; closes the connection if it fails.
    /// </summary>
    private async ValueTask RunAsync(Func<CancellationToken, ValueTask> exchange, CancellationToken cancellationToken, bool clockStartsWhenPeerSpeaks = false)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            if (clockStartsWhenPeerSpeaks)
            {
                // Completes when the socket is readable (the peer's first bytes, its end, or an error); consumes nothing.
                _ = await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            if (handshakeTimeout != Timeout.InfiniteTimeSpan)
            {
                linked.CancelAfter(handshakeTimeout);
            }

            await exchange(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            Dispose();
            throw new TimeoutException(HandshakeTimedOut(), e);
        }
        catch (SocketException e)
        {
            Exception failure = HandshakeFailure(e);
            Dispose();
            throw failure;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="reply"/> if there is one, then throws <paramref name="failure"/> if there is one.</summary>
    private void Finish(byte[]? reply, Exception? failure)
    {
        if (reply is not null)
        {
            try
            {
                SendHandshake(reply);
            }
            catch (SocketException) when (failure is not null)
            {
                // The refusal is what matters; the peer may already be gone.
            }
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    private async ValueTask FinishAsync(byte[]? reply, Exception? failure, CancellationToken cancellationToken)
    {
        if (reply is not null)
        {
            try
            {
                await SendHandshakeAsync(reply, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException) when (failure is not null)
            {
            }
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Sends one handshake message (a few dozen bytes: the socket's buffer takes it at once).</summary>
    private void SendHandshake(byte[] message) => SendAll(Framed(message));

    private ValueTask SendHandshakeAsync(byte[] message, CancellationToken cancellationToken) =>
        SendAllAsync(Framed(message), cancellationToken);

    private static byte[] Framed(byte[] message)
    {
        byte[] frame = new byte[HeaderSize + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, message.Length);
        message.CopyTo(frame, HeaderSize);
        return frame;
    }

    private Exception HandshakeFailure(SocketException e) =>
        IsClosed
            ? new ObjectDisposedException(GetType().FullName, "The connection was closed in this process during the handshake.")
            : new IOException($"{Capitalized(Peer)} went away during the handshake: {e.Message}", e);

    private string HandshakeTimedOut() =>
        $"{Capitalized(Peer)} did not complete the handshake within {handshakeTimeout.TotalSeconds:0.###} s (ConnectionOptions.HandshakeTimeout); the connection is closed.";
}
