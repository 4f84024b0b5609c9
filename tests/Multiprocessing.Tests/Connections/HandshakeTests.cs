using System.Security.Authentication;
using Multiprocessing.Connections;

namespace Multiprocessing.Tests.Connections;

/// <summary>
/// The handshake as the pure state machine it is (<see cref="Handshake"/>), in this process, no socket: a listener's
/// and a client's machine exchange their messages by hand, so every step, refusal and malformed input is reached
/// directly. (Over real sockets and processes: Connections/AuthenticationTests and HostileClientTests.)
/// </summary>
public sealed class HandshakeTests
{
    private static readonly byte[] Key = [.. "the right key"u8];
    private static readonly byte[] OtherKey = [.. "another key"u8];

    [Fact]
    public void SameKey_BothEndsProveIt_AndTheListenerWaitsForTheConfirmation()
    {
        var listener = new Handshake(Key, "a client");
        var client = new Handshake(Key, "the listener");

        (byte[]? answer, Exception? clientFailure) = client.OnHello(listener.Hello());
        Assert.Null(clientFailure);
        (byte[]? verdict, Exception? listenerFailure) = listener.OnAnswer(answer);
        Assert.Null(listenerFailure);
        (byte[]? confirmation, Exception? verdictFailure) = client.OnVerdict(verdict);
        Assert.Null(verdictFailure);

        Assert.True(listener.AwaitsConfirmation);
        Assert.Null(listener.OnConfirmation(confirmation));
    }

    [Fact]
    public void NoKeyOnEitherEnd_IsAcceptedWithoutAConfirmation()
    {
        var listener = new Handshake(null, "a client");
        var client = new Handshake(null, "the listener");

        (byte[]? answer, Exception? clientFailure) = client.OnHello(listener.Hello());
        (byte[]? verdict, Exception? listenerFailure) = listener.OnAnswer(answer);
        (byte[]? confirmation, Exception? verdictFailure) = client.OnVerdict(verdict);

        Assert.Equal((null, null, null), (clientFailure, listenerFailure, verdictFailure));
        Assert.Null(confirmation); // nothing more to send
        Assert.False(listener.AwaitsConfirmation);
    }

    [Fact]
    public void WrongKey_TheListenerRefusesTheClient_AndTellsIt()
    {
        var listener = new Handshake(Key, "a client");
        var client = new Handshake(OtherKey, "the listener");

        (byte[]? answer, _) = client.OnHello(listener.Hello());
        (byte[]? verdict, Exception? refused) = listener.OnAnswer(answer);

        Assert.IsType<AuthenticationException>(refused);
        Assert.NotNull(verdict); // the client is told why
        (byte[]? confirmation, Exception? told) = client.OnVerdict(verdict);
        Assert.Null(confirmation);
        Assert.Contains("did not match", Assert.IsType<AuthenticationException>(told).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AListenerThatAcceptsWithoutTheKey_IsRefusedByTheClient()
    {
        var listener = new Handshake(Key, "a client");
        var client = new Handshake(Key, "the listener");
        (byte[]? answer, _) = client.OnHello(listener.Hello());
        (byte[]? verdict, _) = listener.OnAnswer(answer);

        // An impostor in the listener's place says "accepted" but cannot compute the listener's proof.
        byte[] forged = [.. verdict!];
        forged[^1] ^= 0xFF;
        (byte[]? confirmation, Exception? failure) = client.OnVerdict(forged);

        Assert.IsType<AuthenticationException>(failure);
        Assert.NotNull(listener.OnConfirmation(confirmation)); // and the (real) listener hears that it was not proved
    }

    [Fact]
    public void AnAnswerReplayedOnAnotherConnection_IsRefused()
    {
        var client = new Handshake(Key, "the listener");
        var first = new Handshake(Key, "a client");
        (byte[]? answer, _) = client.OnHello(first.Hello());

        // Another connection has another challenge: the recorded answer's proof does not cover it.
        var second = new Handshake(Key, "a client");
        _ = second.Hello();
        (_, Exception? failure) = second.OnAnswer(answer);

        Assert.IsType<AuthenticationException>(failure);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void OneEndWithoutAKey_BothEndsRefuse(bool listenerHasKey, bool clientHasKey)
    {
        var listener = new Handshake(listenerHasKey ? Key : null, "a client");
        var client = new Handshake(clientHasKey ? Key : null, "the listener");

        (byte[]? refusal, Exception? clientFailure) = client.OnHello(listener.Hello());
        (byte[]? verdict, Exception? listenerFailure) = listener.OnAnswer(refusal);

        Assert.IsType<AuthenticationException>(clientFailure);
        Assert.IsType<AuthenticationException>(listenerFailure);
        Assert.Null(verdict);
    }

    [Fact]
    public void AnotherProtocolVersion_IsRefusedByName_OnBothEnds()
    {
        var listener = new Handshake(null, "a client");
        var client = new Handshake(null, "the listener");
        byte[] hello = listener.Hello();
        hello[4] = 2; // the version byte, after "MPNC"

        (byte[]? refusal, Exception? clientFailure) = client.OnHello(hello);
        (_, Exception? listenerFailure) = listener.OnAnswer(refusal);

        Assert.Contains("version 2", Assert.IsType<InvalidDataException>(clientFailure).Message, StringComparison.Ordinal);
        Assert.Contains("version", Assert.IsType<InvalidDataException>(listenerFailure).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EveryTruncation_OfEveryMessage_IsAFailure_NeverAThrow(bool withKey)
    {
        byte[]? key = withKey ? Key : null;
        var listener = new Handshake(key, "a client");
        var client = new Handshake(key, "the listener");
        byte[] hello = listener.Hello();
        (byte[]? answer, _) = client.OnHello(hello);
        (byte[]? verdict, _) = listener.OnAnswer(answer);
        (byte[]? confirmation, _) = client.OnVerdict(verdict);

        for (int n = 0; n < hello.Length; n++)
        {
            Assert.NotNull(new Handshake(key, "the listener").OnHello(hello.AsSpan(0, n)).Failure);
        }

        for (int n = 0; n < answer!.Length; n++)
        {
            var fresh = new Handshake(key, "a client");
            _ = fresh.Hello();
            Assert.NotNull(fresh.OnAnswer(answer.AsSpan(0, n)).Failure);
        }

        for (int n = 0; n < verdict!.Length; n++)
        {
            // A no-key verdict is one byte: its only truncation is the empty message.
            Assert.NotNull(client.OnVerdict(verdict.AsSpan(0, n)).Failure);
        }

        if (confirmation is not null)
        {
            Assert.NotNull(listener.OnConfirmation([]));
            Assert.NotNull(listener.OnConfirmation([.. confirmation, 0]));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GarbledMessages_AreFailures_NeverThrows(bool withKey)
    {
        byte[]? key = withKey ? Key : null;
        var random = new Random(16);
        for (int round = 0; round < 2000; round++)
        {
            byte[] noise = new byte[random.Next(0, Handshake.MaxFrame + 1)];
            random.NextBytes(noise);
            if (round % 2 == 0 && noise.Length >= 6)
            {
                "MPNC"u8.CopyTo(noise); // past the magic: the checks of the rest
                noise[4] = 1;
            }

            var listener = new Handshake(key, "a client");
            _ = listener.Hello();
            Exception? onHello = new Handshake(key, "the listener").OnHello(noise).Failure;
            Exception? onAnswer = listener.OnAnswer(noise).Failure;
            Exception? onConfirmation = listener.OnConfirmation(noise);

            // Noise can only pass by being a valid message (the seed is fixed: these are the same rounds every run).
            Assert.True(onHello is not null || IsAValidHello(noise, withKey), $"round {round}: a garbled hello was taken");
            Assert.True(onAnswer is not null || (!withKey && noise is [(byte)'M', (byte)'P', (byte)'N', (byte)'C', _, 0]), $"round {round}: a garbled answer was taken");
            Assert.True(onConfirmation is not null || noise is [0], $"round {round}: a garbled confirmation was taken");
        }

        // The magic, version 1, and a well-formed mode.
        static bool IsAValidHello(byte[] m, bool withKey) =>
            m.AsSpan().StartsWith("MPNC"u8) && m[4] == 1 && (withKey ? m.Length == 38 && m[5] == 1 : m.Length == 6 && m[5] == 0);
    }
}
