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
    public ValueTask AuthenticateAsListenerAsync(byte[]? key, CancellationToken cancellationToken)
    {
        var handshake = new Handshake(key, Peer);
        byte[] buffer = new byte[Handshake.MaxFrame];
        return Run<Awaiting>(
            async token =>
            {
                await SendHandshake<Awaiting>(handshake.Hello(), token).ConfigureAwait(false);
                (_, int n) = await ReadFrame<Awaiting>(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
                (byte[]? verdict, Exception? failure) = handshake.OnAnswer(buffer.AsSpan(0, n));
                await Finish<Awaiting>(verdict, failure, token).ConfigureAwait(false);
                if (handshake.AwaitsConfirmation)
                {
                    (_, n) = await ReadFrame<Awaiting>(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
                    await Finish<Awaiting>(null, handshake.OnConfirmation(buffer.AsSpan(0, n)), token).ConfigureAwait(false);
                }
            },
            clockStartsWhenPeerSpeaks: false,
            cancellationToken);
    }

    /// <summary>Authenticates with the listener at the other end; returns when messages may flow.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The keys differ, or one end has none.</exception>
    /// <exception cref="InvalidDataException">The other end is not a <see cref="Listener"/>.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="ConnectionOptions.HandshakeTimeout"/>.</exception>
    /// <exception cref="IOException">The listener went away.</exception>
    public void AuthenticateAsClient(byte[]? key) => Blocking.Wait(AuthenticateAsClient<Blocking>(key, CancellationToken.None));

    /// <summary>The asynchronous form of <see cref="AuthenticateAsClient"/>.</summary>
    /// <inheritdoc cref="AuthenticateAsClient"/>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public ValueTask AuthenticateAsClientAsync(byte[]? key, CancellationToken cancellationToken) => AuthenticateAsClient<Awaiting>(key, cancellationToken);

    private ValueTask AuthenticateAsClient<TMode>(byte[]? key, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        var handshake = new Handshake(key, Peer);
        byte[] buffer = new byte[Handshake.MaxFrame];

        // A busy listener accepts when it can, as in Python: the clock starts when it begins the handshake.
        return Run<TMode>(
            async token =>
            {
                (_, int n) = await ReadFrame<TMode>(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
                (byte[]? answer, Exception? failure) = handshake.OnHello(buffer.AsSpan(0, n));
                await Finish<TMode>(answer, failure, token).ConfigureAwait(false);
                (_, n) = await ReadFrame<TMode>(buffer, Handshake.MaxFrame, handshake: true, token).ConfigureAwait(false);
                (byte[]? confirmation, failure) = handshake.OnVerdict(buffer.AsSpan(0, n));
                await Finish<TMode>(confirmation, failure, token).ConfigureAwait(false);
            },
            clockStartsWhenPeerSpeaks: true,
            cancellationToken);
    }

    /// <summary>
    /// Runs an exchange of the handshake (both forms) under the handshake timeout, which starts now or, with
    /// <paramref name="clockStartsWhenPeerSpeaks"/>, when the peer first sends something; closes the connection if
    /// it fails. The timeout comes to the exchange as a cancellation of the token it is given, in both forms (a
    /// blocking receive waits for the socket in <see cref="WaitReadable"/>, which the token ends).
    /// </summary>
    /// <exception cref="TimeoutException">The timeout ran out (the connection is closed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (the connection is closed).</exception>
    /// <exception cref="IOException">The peer went away (the connection is closed).</exception>
    private async ValueTask Run<TMode>(Func<CancellationToken, ValueTask> exchange, bool clockStartsWhenPeerSpeaks, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            if (clockStartsWhenPeerSpeaks)
            {
                // Until the socket is readable (the peer's first bytes, its end, or an error); consumes nothing.
                if (TMode.IsAsync)
                {
                    _ = await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    WaitReadable(Deadline.Never, cancellationToken);
                }
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
    private async ValueTask Finish<TMode>(byte[]? reply, Exception? failure, CancellationToken cancellationToken)
        where TMode : IWaitMode
    {
        if (reply is not null)
        {
            try
            {
                await SendHandshake<TMode>(reply, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Sends one handshake message (a few dozen bytes: the socket's buffer takes it at once).</summary>
    private ValueTask SendHandshake<TMode>(byte[] message, CancellationToken cancellationToken)
        where TMode : IWaitMode =>
        SendAll<TMode>(Framed(message), cancellationToken);

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
