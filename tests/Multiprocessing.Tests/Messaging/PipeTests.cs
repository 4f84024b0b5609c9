using System.Security.Cryptography;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>Pipe: two connected ends in shared memory, used across processes.</summary>
public sealed class PipeTests
{
    [Fact]
    public void Echo_ChildDoublesEveryNumber_UntilMinusOne()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            using ChildProcess<int> child = ChildProcess.Start(static (Connection end) =>
            {
                int seen = 0;
                using (end)
                {
                    while (true)
                    {
                        int x = end.Receive<int>();
                        if (x < 0)
                        {
                            return seen;
                        }

                        seen++;
                        end.Send(x * 2);
                    }
                }
            }, b);
            b.Dispose();

            for (int i = 0; i < 2000; i++)
            {
                a.Send(i);
                Assert.Equal(i * 2, a.Receive<int>());
            }

            a.Send(-1);
            Assert.Equal(2000, child.ResultOrFail());
        }
    }

    [Fact]
    public void TypedValues_OfSeveralTypes_KeepTheirBoundaries()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.Send("hello");
            a.Send<int[]>([1, 2, 3]);
            a.Send<object>(42L);
            a.SendBytes([9, 8, 7]);

            Assert.Equal("hello", b.Receive<string>());
            Assert.Equal([1, 2, 3], b.Receive<int[]>());
            Assert.Equal(42L, Convert.ToInt64(b.Receive<object>(), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal([9, 8, 7], b.ReceiveBytes());
        }
    }

    [Fact]
    public void MessageLargerThanTheRing_ArrivesWhole_FromAChild()
    {
        (Connection a, Connection b) = Pipe.Create(duplex: false, capacity: 4096);
        using (a)
        {
            using ChildProcess<string> child = ChildProcess.Start(static (Connection w) =>
            {
                byte[] big = new byte[10_000_000];
                new Random(7).NextBytes(big);
                w.SendBytes(big);
                w.Send("after");
                w.Dispose();
                return Convert.ToHexString(SHA256.HashData(big));
            }, b);
            b.Dispose();

            byte[] got = a.ReceiveBytes();
            Assert.Equal("after", a.Receive<string>());
            Assert.Equal(10_000_000, got.Length);
            Assert.Equal(child.ResultOrFail(), Convert.ToHexString(SHA256.HashData(got)));
        }
    }

    [Fact]
    public void ReceiveBytesInto_TooSmallBuffer_CarriesTheMessage()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            a.SendBytes([1, 2, 3, 4, 5]);
            a.SendBytes([6, 7]);
            var small = new byte[3];
            BufferTooShortException e = Assert.Throws<BufferTooShortException>(() => b.ReceiveBytesInto(small));
            Assert.Equal([1, 2, 3, 4, 5], e.Received);
            Assert.Equal(2, b.ReceiveBytesInto(small));
            Assert.Equal([6, 7], small[..2]);
        }
    }

    [Fact]
    public void EndOfStream_AfterTheChildHoldingTheOtherEndIsKilled()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection end) =>
            {
                end.Send("ready");
                Thread.Sleep(Timeout.Infinite); // Holds its end until killed.
            }, b);
            b.Dispose();

            Assert.Equal("ready", a.Receive<string>());
            child.Kill();
            Assert.Throws<EndOfStreamException>(() => a.Receive<string>());
            Assert.True(a.Poll(TimeSpan.Zero)); // the end of the stream is readable: Receive would not wait
        }
    }

    [Fact]
    public void EndOfStream_ComesAfterEverythingSent_WhenTheChildReturns()
    {
        (Connection a, Connection b) = Pipe.Create(duplex: false);
        using (a)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection w) =>
            {
                for (int i = 0; i < 100; i++)
                {
                    w.Send(i);
                }
            }, b);
            b.Dispose();

            var got = new List<int>();
            try
            {
                while (true)
                {
                    got.Add(a.Receive<int>());
                }
            }
            catch (EndOfStreamException)
            {
            }

            Assert.Equal(Enumerable.Range(0, 100), got);
            child.JoinOrFail();
        }
    }

    [Fact]
    public void Send_ToAClosedEnd_ThrowsIOException()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            b.Dispose();
            Assert.Throws<IOException>(() => a.Send(1));
            Assert.Throws<EndOfStreamException>(() => a.Receive<int>());
        }
    }

    [Fact]
    public void OneWayPipe_FirstEndOnlyReceives_SecondOnlySends()
    {
        (Connection r, Connection w) = Pipe.Create(duplex: false);
        using (r)
        using (w)
        {
            Assert.True(r.Readable);
            Assert.False(r.Writable);
            Assert.False(w.Readable);
            Assert.Throws<InvalidOperationException>(() => r.Send(1));
            Assert.Throws<InvalidOperationException>(() => w.Receive<int>());
        }
    }

    [Fact]
    public void Poll_TimesOutWhenEmpty_AndSeesAMessage()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.False(b.Poll(TimeSpan.FromMilliseconds(20)));
            a.Send(5);
            Assert.True(b.Poll(TimeSpan.Zero));
            Assert.Equal(5, b.Receive<int>());
        }
    }

    [Fact]
    public async Task AsyncTwins_RoundTrip_WithAChild()
    {
        (Connection a, Connection b) = Pipe.Create();
        await using (a)
        {
            using ChildProcess child = ChildProcess.Start(static async (Connection end) =>
            {
                await using (end)
                {
                    string s = await end.ReceiveAsync<string>();
                    await end.SendAsync(s.ToUpperInvariant());
                }
            }, b);
            b.Dispose();

            Assert.False(await a.PollAsync(TimeSpan.FromMilliseconds(10)));
            await a.SendAsync("shout");
            Assert.Equal("SHOUT", await a.ReceiveAsync<string>());
            child.JoinOrFail();
        }
    }

    [Fact]
    public async Task ReceiveAsync_IsCancelled_ByItsToken()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            ValueTask<int> pending = b.ReceiveAsync<int>(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
            a.Send(3);
            Assert.Equal(3, b.Receive<int>()); // nothing was lost by the cancelled wait
        }
    }

    [Fact]
    public void EndClosedInTheParentRightAfterStart_StillReachesTheChild()
    {
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        {
            using ChildProcess<int> child = ChildProcess.Start(static (Connection end) =>
            {
                using (end)
                {
                    return end.Receive<int>() + 1;
                }
            }, b);
            b.Dispose(); // before the child has opened its copy: the end is held for it

            a.Send(41);
            Assert.Equal(42, child.ResultOrFail());
        }
    }

    [Fact]
    public void ClosingTheOtherEnd_InAChild_WhileTheReceiverGoesToSleep_AlwaysEndsTheStream()
    {
        // A close that lands between the receiver's last look at the other end and its sleep must still wake it.
        // The child closes each pipe's writing end at a slightly different moment of the parent's way to sleep.
        const int rounds = 300;
        (Connection control, Connection childControl) = Pipe.Create();
        using (control)
        {
            using ChildProcess child = ChildProcess.Start(static (Connection c, int n) =>
            {
                using (c)
                {
                    for (int i = 0; i < n; i++)
                    {
                        Connection writer = c.Receive<Connection>();
                        c.Send(i);
                        Thread.SpinWait(i % 100 * 100);
                        writer.Dispose();
                    }
                }
            }, childControl, rounds);
            childControl.Dispose();

            for (int i = 0; i < rounds; i++)
            {
                (Connection reader, Connection writer) = Pipe.Create(duplex: false, capacity: 4096);
                using (reader)
                {
                    control.Send(writer);
                    writer.Dispose();
                    Assert.Equal(i, control.Receive<int>());
                    Assert.True(reader.Poll(Within.Deadline), $"round {i}: the close was missed");
                    Assert.Throws<EndOfStreamException>(() => reader.Receive<int>());
                }
            }

            child.JoinOrFail();
        }
    }
}
