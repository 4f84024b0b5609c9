using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>When the other end closes or its process dies, every message it sent is still received, then <see cref="EndOfStreamException"/>.</summary>
public sealed class EndOfStreamTests
{
    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public void PeerCloses_MessagesItSentArrive_ThenEndOfStream(string kind)
    {
        byte[] key = Listeners.Key(1);
        using Listener listener = Listeners.New(kind, key);
        using ChildProcess child = ChildProcess.Start(ConnectionChildren.SendThenClose, Where.Of(listener.Address), key, 3);
        using Connection conn = listener.AcceptWithin();
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);

        Assert.Equal([0, 1, 2], [conn.Receive<int>(), conn.Receive<int>(), conn.Receive<int>()]);
        EndOfStreamException e = Assert.Throws<EndOfStreamException>(() => conn.Receive<int>());
        Assert.Contains("closed the connection", e.Message, StringComparison.Ordinal);
        Assert.Throws<EndOfStreamException>(() => conn.ReceiveBytes()); // and again: the end stays the end
        Assert.True(conn.Poll(TimeSpan.Zero)); // the end of the stream counts as readable
    }

    [Theory]
    [InlineData(Listeners.Unix)]
    [InlineData(Listeners.Tcp)]
    public async Task PeerProcessKilled_MessagesItSentArrive_ThenEndOfStream(string kind)
    {
        byte[] key = Listeners.Key(2);
        using Listener listener = Listeners.New(kind, key);
        using SharedEvent sent = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ConnectionChildren.SendThenWaitToBeKilled, Where.Of(listener.Address), key, 3, sent);
        await using Connection conn = await listener.AcceptAsyncWithin();
        Handoff.WaitReady(sent, child);

        child.Kill();
        child.JoinOrFail();
        Assert.Equal(-9, child.ExitCode);

        Assert.Equal(0, await conn.ReceiveAsync<int>());
        Assert.Equal(1, conn.Receive<int>());
        Assert.Equal(2, await conn.ReceiveAsync<int>());
        await Assert.ThrowsAsync<EndOfStreamException>(() => conn.ReceiveAsync<int>().AsTask());
    }

    [Fact]
    public async Task PeerProcessKilledWhileWeWait_EndsTheWaitWithEndOfStream()
    {
        byte[] key = Listeners.Key(3);
        using Listener listener = Listener.Create(key);
        using SharedEvent sent = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ConnectionChildren.SendThenWaitToBeKilled, Where.Of(listener.Address), key, 0, sent);
        using Connection conn = listener.AcceptWithin();
        Handoff.WaitReady(sent, child);

        Task<int> receive = Task.Run(() => conn.Receive<int>());
        child.Kill();

        await Assert.ThrowsAsync<EndOfStreamException>(() => receive.WaitAsync(Within.Deadline));
    }

    [Fact]
    public void Send_ToAPeerThatIsGone_ThrowsIOException()
    {
        byte[] key = Listeners.Key(4);
        using Listener listener = Listener.Create(key);
        using ChildProcess child = ChildProcess.Start(ConnectionChildren.SendThenClose, Where.Of(listener.Address), key, 0);
        using Connection conn = listener.AcceptWithin();
        child.JoinOrFail();
        Assert.Throws<EndOfStreamException>(() => conn.ReceiveBytes()); // it has closed

        // The first sends may still land in the kernel's buffers; soon one is refused.
        IOException e = Assert.Throws<IOException>(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                conn.SendBytes(new byte[1000]);
            }
        });
        Assert.Contains("is gone", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Close_ThisEnd_MakesLaterCallsThrowObjectDisposed()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        a.Close();
        Assert.True(a.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => a.Send(1));
        Assert.Throws<ObjectDisposedException>(() => a.Receive<int>());
        Assert.Throws<ObjectDisposedException>(() => a.Poll());
        Assert.Throws<EndOfStreamException>(() => b.Receive<int>());
        b.Dispose();
    }

    [Fact]
    public async Task Close_FromAnotherThread_EndsABlockedReceive()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (b)
        {
            Task<int> receive = Task.Run(() => a.Receive<int>());
            await Task.WhenAny(receive, Task.Delay(Listeners.Short)); // let it reach its wait (if not, the outcome is the same)
            Assert.False(receive.IsCompleted);
            a.Dispose();

            await Assert.ThrowsAsync<ObjectDisposedException>(() => receive.WaitAsync(Within.Deadline));
        }
    }
}
