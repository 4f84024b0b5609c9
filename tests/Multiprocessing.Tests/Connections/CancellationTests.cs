using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>Cancelling an accept or a receive that is waiting ends it, and leaves the listener or the connection usable.</summary>
public sealed class CancellationTests
{
    [Fact]
    public async Task AcceptAsync_CancelledWhileWaiting_ThrowsOperationCanceled_AndTheListenerStillAccepts()
    {
        byte[] key = Listeners.Key(1);
        using Listener listener = Listener.Create(key);
        using var cts = new CancellationTokenSource();
        ValueTask<Connection> accept = listener.AcceptAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accept.AsTask());
        Assert.False(listener.IsClosed);

        using ChildProcess<string> child = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), key);
        await using Connection conn = await listener.AcceptAsyncWithin();
        Assert.Equal("hello", await conn.ReceiveAsync<string>());
        Assert.Equal("connected", child.ResultOrFail());
    }

    [Fact]
    public async Task AcceptAsync_AlreadyCancelled_ThrowsOperationCanceled()
    {
        using Listener listener = Listener.CreateTcp();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listener.AcceptAsync(new CancellationToken(true)).AsTask());
    }

    [Fact]
    public async Task ConnectAsync_CancelledDuringTheHandshake_ThrowsOperationCanceled()
    {
        // Nobody accepts: the connection waits in the backlog, and the client waits for a hello that never comes.
        using Listener listener = Listener.Create(Listeners.Key(1));
        using var cts = new CancellationTokenSource();
        Task<Connection> connect = Client.ConnectAsync(listener.Address, Listeners.Key(1), null, cts.Token).AsTask();
        await Task.WhenAny(connect, Task.Delay(Listeners.Short)); // let it reach its wait (if not, the outcome is the same)
        Assert.False(connect.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect);
    }

    [Fact]
    public async Task Receive_CancelledBetweenMessages_ThrowsOperationCanceled_AndTheConnectionStaysUsable()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            Task<int> receive = Task.Run(() => a.Receive<int>(cts.Token));
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(Within.Deadline));
            Assert.False(a.IsClosed);

            b.Send(5);
            Assert.Equal(5, a.Receive<int>(new CancellationTokenSource(Within.Deadline).Token));
        }
    }

    [Fact]
    public async Task ReceiveAsync_CancelledBetweenMessages_ThrowsOperationCanceled_AndTheConnectionStaysUsable()
    {
        using Listener listener = Listener.Create();
        (Connection a, Connection b) = Listeners.Pair(listener);
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            Task<int> receive = a.ReceiveAsync<int>(cts.Token).AsTask();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive);
            Assert.False(a.IsClosed);

            b.Send(6);
            Assert.Equal(6, await a.ReceiveAsync<int>());
        }
    }
}
