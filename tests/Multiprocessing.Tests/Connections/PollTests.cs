using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary><see cref="Connection.Poll"/> and <see cref="Connection.PollAsync"/>: whether a message is there, waiting at most a timeout.</summary>
public sealed class PollTests
{
    [Fact]
    public void Poll_NothingSent_ReturnsFalseAfterTheTimeout()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            Assert.False(a.Poll());
            Assert.False(a.Poll(TimeSpan.Zero));
            Assert.False(a.Poll(Listeners.Short));
            Assert.False(a.Poll(Listeners.Short, new CancellationTokenSource().Token)); // the cancellable wait, too
        }
    }

    [Fact]
    public async Task PollAsync_NothingSent_ReturnsFalseAfterTheTimeout()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            Assert.False(await a.PollAsync(TimeSpan.Zero));
            Assert.False(await a.PollAsync(Listeners.Short));
        }
    }

    [Fact]
    public void Poll_MessageThere_ReturnsTrue_AndDoesNotConsumeIt()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            b.Send(7);
            Assert.True(a.Poll(Within.Deadline));
            Assert.True(a.Poll(TimeSpan.Zero));
            Assert.Equal(7, a.Receive<int>());
            Assert.False(a.Poll(TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task PollForEver_ReturnsWhenAChildSends()
    {
        byte[] key = Listeners.Key(1);
        using Listener listener = Listener.CreateTcp(0, key);
        using SharedEvent go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ConnectionChildren.SendWhenTold, Where.Of(listener.Address), key, go);
        await using Connection conn = await listener.AcceptAsyncWithin();

        Task<bool> poll = Task.Run(() => conn.Poll(Timeout.InfiniteTimeSpan));
        Assert.False(conn.Poll(TimeSpan.Zero));
        go.Set();
        Assert.True(poll.ResultWithin());
        Assert.True(await conn.PollAsync(Timeout.InfiniteTimeSpan));
        Assert.Equal(42, conn.Receive<int>());
    }

    [Fact]
    public async Task PollAsync_ReturnsWhenAChildSends()
    {
        byte[] key = Listeners.Key(2);
        using Listener listener = Listener.Create(key);
        using SharedEvent go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ConnectionChildren.SendWhenTold, Where.Of(listener.Address), key, go);
        await using Connection conn = await listener.AcceptAsyncWithin();

        Task<bool> poll = conn.PollAsync(Within.Deadline).AsTask();
        go.Set();
        Assert.True(await poll);
        Assert.Equal(42, await conn.ReceiveAsync<int>());
    }

    [Fact]
    public void Poll_Cancelled_ThrowsOperationCanceled_AndTheConnectionStaysUsable()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            Task<bool> poll = Task.Run(() => a.Poll(Timeout.InfiniteTimeSpan, cts.Token));
            cts.Cancel();
            AggregateException e = Assert.Throws<AggregateException>(() => poll.Wait(Within.Deadline));
            Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);

            b.Send(1);
            Assert.True(a.Poll(Within.Deadline, new CancellationTokenSource().Token));
            Assert.Equal(1, a.Receive<int>());
        }
    }

    [Fact]
    public async Task PollAsync_Cancelled_ThrowsOperationCanceled()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            Task<bool> poll = a.PollAsync(Timeout.InfiniteTimeSpan, cts.Token).AsTask();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
            Assert.False(a.IsClosed);
        }
    }

    [Fact]
    public void Poll_NegativeTimeout_IsRefused()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Poll(TimeSpan.FromSeconds(-2)));
        }
    }
}
