using System.Security.Authentication;
using System.Security.Cryptography;

namespace Multiprocessing.Connections;

/// <summary>
/// The messages of the handshake that opens every <see cref="Listener"/>/<see cref="Client"/> connection, and
/// their checks; <see cref="SocketConnection"/> sends and receives them. Nothing a peer sends is decoded as a value
/// before the handshake has succeeded.
/// </summary>
/// <remarks>
/// <para>Each message is one frame (4-byte big-endian length, then the bytes) of at most <see cref="MaxFrame"/> bytes.</para>
/// <list type="number">
/// <item><b>Hello</b>, listener → client: <c>"MPNC"</c>, version 1, mode (0 no key, 1 HMAC-SHA256), and with a key
/// the listener's challenge <c>Ns</c> (32 random bytes).</item>
/// <item><b>Answer</b>, client → listener: <c>"MPNC"</c>, version 1, status; with a key (status 1) the client's own
/// challenge <c>Nc</c> (32 random bytes) and its proof <c>HMAC-SHA256(key, "mpnet/1 client" ‖ Ns ‖ Nc)</c>. Status 0 is
/// "no key" (the listener has none either); 2, 3 and 4 refuse: the client has no key, the listener has none, or the
/// version is unknown.</item>
/// <item><b>Verdict</b>, listener → client: 0 accepted (with a key, followed by the listener's proof
/// <c>HMAC-SHA256(key, "mpnet/1 listener" ‖ Ns ‖ Nc)</c>), or 1: the client's proof did not match.</item>
/// <item><b>Confirmation</b>, client → listener, with a key only: 0 the listener's proof matched, 1 it did not.</item>
/// </list>
/// <para>
/// The listener checks the client before it computes anything with the key, so it never answers for a peer that
/// has not proved itself; the two proofs carry different labels and both challenges, so neither can be replayed as
/// the other or on another connection. Proofs are compared in constant time. This authenticates both ends; it does
/// not encrypt: use it on one machine (Unix sockets, loopback) or a network you trust.
/// </para>
/// </remarks>
internal sealed class Handshake
{
    /// <summary>The largest handshake message: a hostile peer cannot make us allocate more.</summary>
    public const int MaxFrame = 128;

    private const int NonceSize = 32;
    private const int ProofSize = 32;
    private const byte Version = 1;

    private const byte ModeNoKey = 0;
    private const byte ModeHmacSha256 = 1;

    private const byte AnswerNoKey = 0;
    private const byte AnswerProof = 1;
    private const byte RefuseClientHasNoKey = 2;
    private const byte RefuseListenerHasNoKey = 3;
    private const byte RefuseVersion = 4;

    private const byte VerdictAccepted = 0;
    private const byte VerdictWrongKey = 1;

    private const byte ConfirmProved = 0;
    private const byte ConfirmNotProved = 1;

    private readonly byte[]? key;
    private readonly string peer;
    private byte[] listenerNonce = [];
    private byte[] clientNonce = [];

    /// <param name="key">The auth key, or null for none.</param>
    /// <param name="peer">Who is at the other end, for messages: "a client", "the listener at …".</param>
    public Handshake(byte[]? key, string peer)
    {
        this.key = key;
        this.peer = peer;
    }

    /// <summary>Whether the listener waits for a <b>Confirmation</b> after its verdict (with a key).</summary>
    public bool AwaitsConfirmation => key is not null;

    private static ReadOnlySpan<byte> Magic => "MPNC"u8;

    private static ReadOnlySpan<byte> ClientLabel => "mpnet/1 client"u8;

    private static ReadOnlySpan<byte> ListenerLabel => "mpnet/1 listener"u8;

    /// <summary>The listener's first message.</summary>
    public byte[] Hello()
    {
        if (key is null)
        {
            return [.. Magic, Version, ModeNoKey];
        }

        listenerNonce = RandomNumberGenerator.GetBytes(NonceSize);
        return [.. Magic, Version, ModeHmacSha256, .. listenerNonce];
    }

    /// <summary>The client's reply to <paramref name="hello"/>: what to send (null: nothing) and, if the handshake failed, why.</summary>
    public (byte[]? Reply, Exception? Failure) OnHello(ReadOnlySpan<byte> hello)
    {
        if (hello.Length < Magic.Length + 2 || !hello.StartsWith(Magic))
        {
            return (null, NotOurProtocol("its first message"));
        }

        if (hello[Magic.Length] != Version)
        {
            return ([.. Magic, Version, RefuseVersion], new InvalidDataException(
                $"{Cap(peer)} speaks version {hello[Magic.Length]} of this library's connection protocol, and this process version {Version}: use the same library version on both ends."));
        }

        byte mode = hello[Magic.Length + 1];
        ReadOnlySpan<byte> rest = hello[(Magic.Length + 2)..];
        if (mode == ModeNoKey && rest.IsEmpty)
        {
            return key is null
                ? ([.. Magic, Version, AnswerNoKey], null)
                : ([.. Magic, Version, RefuseListenerHasNoKey], new AuthenticationException(
                    $"{Cap(peer)} has no auth key, so it cannot prove that it is the listener you meant; this client has a key and refuses it. Give the listener the same key."));
        }

        if (mode != ModeHmacSha256 || rest.Length != NonceSize)
        {
            return (null, NotOurProtocol("its first message"));
        }

        if (key is null)
        {
            return ([.. Magic, Version, RefuseClientHasNoKey], new AuthenticationException(
                $"{Cap(peer)} requires an auth key and this client has none: pass the listener's key to Client.Connect."));
        }

        listenerNonce = rest.ToArray();
        clientNonce = RandomNumberGenerator.GetBytes(NonceSize);
        return ([.. Magic, Version, AnswerProof, .. clientNonce, .. Proof(ClientLabel)], null);
    }

    /// <summary>The listener's verdict on the client's <paramref name="answer"/>: what to send (null: nothing) and, if the client is refused, why.</summary>
    public (byte[]? Reply, Exception? Failure) OnAnswer(ReadOnlySpan<byte> answer)
    {
        if (answer.Length < Magic.Length + 2 || !answer.StartsWith(Magic))
        {
            return (null, NotOurProtocol("its first message"));
        }

        byte status = answer[Magic.Length + 1];
        ReadOnlySpan<byte> rest = answer[(Magic.Length + 2)..];
        switch (status)
        {
            case RefuseClientHasNoKey when rest.IsEmpty:
                return (null, new AuthenticationException($"{Cap(peer)} has no auth key and this listener requires one; the connection is closed."));
            case RefuseListenerHasNoKey when rest.IsEmpty:
                return (null, new AuthenticationException($"{Cap(peer)} has an auth key and refused this listener, which has none; the connection is closed."));
            case RefuseVersion when rest.IsEmpty:
                return (null, new InvalidDataException($"{Cap(peer)} speaks version {answer[Magic.Length]} of this library's connection protocol, and this process version {Version}: use the same library version on both ends."));
            case AnswerNoKey when rest.IsEmpty && key is null:
                return ([VerdictAccepted], null);
            case AnswerProof when rest.Length == NonceSize + ProofSize && key is not null:
                clientNonce = rest[..NonceSize].ToArray();
                if (!CryptographicOperations.FixedTimeEquals(rest[NonceSize..], Proof(ClientLabel)))
                {
                    return ([VerdictWrongKey], new AuthenticationException(
                        $"The auth key did not match: {peer} answered this listener's challenge with a different key. The connection is closed; the listener goes on accepting."));
                }

                return ([VerdictAccepted, .. Proof(ListenerLabel)], null);
            default:
                return (null, NotOurProtocol("its answer"));
        }
    }

    /// <summary>The client's confirmation on the listener's <paramref name="verdict"/>: what to send (null: nothing) and, if the handshake failed, why.</summary>
    public (byte[]? Reply, Exception? Failure) OnVerdict(ReadOnlySpan<byte> verdict)
    {
        if (verdict.Length == 1 && verdict[0] == VerdictWrongKey && key is not null)
        {
            return (null, new AuthenticationException($"The auth key did not match: {peer} refused this client's answer, so the two have different keys."));
        }

        if (verdict.IsEmpty || verdict[0] != VerdictAccepted)
        {
            return (null, NotOurProtocol("its verdict"));
        }

        if (key is null)
        {
            return verdict.Length == 1 ? (null, null) : (null, NotOurProtocol("its verdict"));
        }

        if (verdict.Length != 1 + ProofSize)
        {
            return (null, NotOurProtocol("its verdict"));
        }

        if (!CryptographicOperations.FixedTimeEquals(verdict[1..], Proof(ListenerLabel)))
        {
            return ([ConfirmNotProved], new AuthenticationException(
                $"The auth key did not match: {peer} accepted this client but could not prove that it has the key. It is not the listener you meant; the connection is closed."));
        }

        return ([ConfirmProved], null);
    }

    /// <summary>The listener's check of the client's <paramref name="confirmation"/>: null if the client accepted it.</summary>
    public Exception? OnConfirmation(ReadOnlySpan<byte> confirmation) => confirmation switch
    {
        [ConfirmProved] => null,
        [ConfirmNotProved] => new AuthenticationException($"The auth key did not match: {peer} did not accept this listener's proof of the key; the connection is closed."),
        _ => NotOurProtocol("its confirmation"),
    };

    private byte[] Proof(ReadOnlySpan<byte> label)
    {
        byte[] message = [.. label, .. listenerNonce, .. clientNonce];
        return HMACSHA256.HashData(key!, message);
    }

    private InvalidDataException NotOurProtocol(string what) =>
        new($"{Cap(peer)} is not speaking this library's connection protocol ({what} is not a valid handshake message); the connection is closed.");

    private static string Cap(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
