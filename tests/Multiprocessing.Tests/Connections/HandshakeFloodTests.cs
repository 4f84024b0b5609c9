using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>
/// Hundreds of connections that stay silent or drip one byte a second do not lock good clients out: the listener
/// runs the handshakes concurrently, with a bound, instead of one at a time with a 10 s timeout each (which made a
/// good client wait behind every silent one ahead of it in the backlog: over 15 s behind 130 of them).
/// </summary>
/// <remarks>
/// Run alone: the handshakes complete on this process's thread pool, which tests that block pool threads (with
/// large manager values, say) can starve for seconds, and this test times a connection.
/// </remarks>
[Collection(SerialTests.Name)]
public sealed class HandshakeFloodTests
{
    /// <summary>How many of each kind: 500 connections in all, all open while the good clients connect.</summary>
    private const int Silent = 250;
    private const int Dripping = 250;

    /// <summary>Generous for a connection that takes milliseconds; before, a good client behind the flood waited more than 10 s.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public async Task GoodClients_ConnectQuickly_While500ConnectionsAreSilentOrDrip(string kind)
    {
        byte[] key = Listeners.Key(11);
        using Listener listener = Listeners.New(kind, key);
        Task<Connection> firstAccept = listener.AcceptAsyncWithin(); // starts the acceptor, as a server loop does

        var flood = new List<Socket>();
        using var stopDripping = new CancellationTokenSource();
        Task drip = Task.CompletedTask;
        try
        {
            // Connect them all at once: a listener that handshakes one at a time leaves most in the backlog.
            Task<Socket>[] connecting = Enumerable.Range(0, Silent + Dripping).Select(_ => ConnectRawAsync(listener)).ToArray();
            drip = DripAsync(connecting.Skip(Silent).ToArray(), stopDripping.Token);

            // All 500 are in (those dropped as the oldest pending handshakes were closed by the listener, as a
            // flood's are; the newest 128 are pending): now the good clients, on a thread of their own.
            await Task.WhenAll(connecting).WaitAsync(Within.Deadline);
            Task goodOnes = Task.Factory.StartNew(() =>
            {
                for (int round = 0; round < 3; round++)
                {
                    var clock = Stopwatch.StartNew();
                    using Connection good = Client.Connect(listener.Address, key);
                    TimeSpan took = clock.Elapsed;
                    Assert.True(took < Bound, $"a good client took {took.TotalSeconds:0.00} s to connect during the flood");
                    good.Send(round);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            await goodOnes.WaitAsync(Within.Deadline);

            // Each good client, and nothing else, is accepted (in the order their handshakes ended).
            var received = new List<int>();
            using (Connection accepted = await firstAccept.WaitAsync(Within.Deadline))
            {
                received.Add(accepted.Receive<int>());
            }

            for (int round = 1; round < 3; round++)
            {
                using Connection accepted = listener.AcceptWithin();
                received.Add(accepted.Receive<int>());
            }

            Assert.Equal([0, 1, 2], received.Order());

            Assert.InRange(listener.PendingHandshakes, 0, 128);
            foreach (Task<Socket> c in connecting)
            {
                if (c.IsCompletedSuccessfully)
                {
                    flood.Add(await c);
                }
            }
        }
        finally
        {
            await stopDripping.CancelAsync();
            await drip.WaitAsync(Within.Deadline);
            foreach (Socket s in flood)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>
    /// Connects a raw socket, as a flood does: a Unix socket whose listener's queue is full at that instant is
    /// refused with EAGAIN instead of waiting (TCP waits), so the flood tries again until it is in.
    /// </summary>
    private static async Task<Socket> ConnectRawAsync(Listener listener)
    {
        while (true)
        {
            Socket socket = listener.Address is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(listener.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(listener.Address);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
            {
                socket.Dispose();
                await Task.Delay(1);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Sends, one byte a second on each connection, the start of a plausible answer (a frame of 70 bytes, "MPNC"...): never a whole one.</summary>
    private static async Task DripAsync(Task<Socket>[] connecting, CancellationToken stop)
    {
        byte[] prefix = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(prefix, 70);
        "MPNC"u8.CopyTo(prefix.AsSpan(4));
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            foreach (Task<Socket> c in connecting)
            {
                if (c.IsCompletedSuccessfully)
                {
                    try
                    {
                        (await c).Send(prefix.AsSpan(i % prefix.Length, 1), SocketFlags.None);
                    }
                    catch (SocketException)
                    {
                        // Closed by the listener (dropped as the oldest pending handshake): nothing more to drip there.
                    }
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
