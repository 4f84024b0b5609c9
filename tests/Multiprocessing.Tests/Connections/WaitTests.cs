using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Connections;

/// <summary>
/// <see cref="Connection.Wait{T}"/> and <see cref="Connection.WaitAsync{T}"/>, Python's
/// <c>multiprocessing.connection.wait</c>: the first of several pipes, sockets, children (their end) and queues,
/// with real child processes on the other side.
/// </summary>
public sealed class WaitTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void PythonsExample_ReadsEveryChildsMessages_FromWhicheverPipeIsReady()
    {
        // Python's docs: each child sends on its own pipe; the parent waits on all readers until each has closed.
        const int Children = 3, Messages = 5;
        var readers = new List<Connection>();
        var children = new List<ChildProcess>();
        try
        {
            for (int i = 0; i < Children; i++)
            {
                (Connection r, Connection w) = Pipe.Create(duplex: false);
                readers.Add(r);
                children.Add(ChildProcess.Start(static (Connection w, int id) =>
                {
                    for (int m = 0; m < Messages; m++)
                    {
                        w.Send(id * 100 + m);
                    }

                    w.Close();
                }, w, i));
                w.Dispose();
            }

            var received = new List<int>();
            var open = new List<Connection>(readers);
            while (open.Count > 0)
            {
                IReadOnlyList<Connection> ready = Connection.Wait(open, Within.Deadline);
                Assert.NotEmpty(ready);
                foreach (Connection r in ready)
                {
                    try
                    {
                        received.Add(r.Receive<int>());
                    }
                    catch (EndOfStreamException)
                    {
                        open.Remove(r);
                    }
                }
            }

            int[] expected = [.. Enumerable.Range(0, Children).SelectMany(c => Enumerable.Range(c * 100, Messages))];
            Assert.Equal(expected, received.Order());
        }
        finally
        {
            children.ForEach(c => c.Dispose());
            readers.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public void OnlyTheReadyObjects_AreReturned_InTheOrderGiven()
    {
        (Connection quietReader, Connection quietWriter) = Pipe.Create(duplex: false);
        (Connection busyReader, Connection busyWriter) = Pipe.Create(duplex: false);
        using var queue = SharedQueue.Create<string>();
        using var gate = SharedEvent.Create();
        using (quietReader)
        using (quietWriter)
        using (busyReader)
        using (busyWriter)
        {
            using ChildProcess sleeper = ChildProcess.Start(static (SharedEvent g) => g.Wait(Within.Deadline), gate);
            using ChildProcess sender = ChildProcess.Start(static (Connection w, SharedQueue<string> q) =>
            {
                w.Send("hello");
                q.Put("item");
            }, busyWriter, queue);
            sender.JoinOrFail();

            object[] all = [quietReader, sleeper, busyReader, sender, queue];
            IReadOnlyList<object> ready = Connection.Wait(all, Within.Deadline);
            Assert.Equal([busyReader, sender, queue], ready);

            gate.Set();
            sleeper.JoinOrFail();
            Assert.Equal([busyReader, sender, queue, sleeper], Connection.Wait([busyReader, sender, queue, sleeper], TimeSpan.Zero));
        }
    }

    [Fact]
    public void NothingReady_ZeroOrNegativeTimeout_LooksOnce_AndATimeoutReturnsEmpty()
    {
        (Connection r, Connection w) = Pipe.Create(duplex: false);
        using var queue = SharedQueue.Create<int>();
        using var gate = SharedEvent.Create();
        using (r)
        using (w)
        {
            using ChildProcess child = ChildProcess.Start(static (SharedEvent g) => g.Wait(Within.Deadline), gate);
            object[] all = [r, queue, child];

            Assert.Empty(Connection.Wait(all, TimeSpan.Zero));
            Assert.Empty(Connection.Wait(all, TimeSpan.FromSeconds(-5))); // Python: a negative timeout is zero
            Assert.Empty(Connection.Wait(all, Short));
            Assert.True(child.IsAlive);

            gate.Set();
            Assert.Equal([child], Connection.Wait(all, Within.Deadline));
        }
    }

    [Fact]
    public async Task WaitAsync_WakesWhenAChildPutsOnAQueue()
    {
        using var queue = SharedQueue.Create<int>();
        using var other = SharedQueue.Create<int>();
        using var go = SharedEvent.Create();
        Task<IReadOnlyList<SharedQueue<int>>> waiting = Connection.WaitAsync([other, queue], Within.Deadline);
        Assert.False(waiting.IsCompleted);

        using ChildProcess child = ChildProcess.Start(static (SharedQueue<int> q) => q.Put(42), queue);
        IReadOnlyList<SharedQueue<int>> ready = await waiting;
        Assert.Equal([queue], ready);
        Assert.Equal(42, queue.Get(Within.Deadline));
    }

    [Fact]
    public async Task Wait_ForEver_OnASocketConnection_ReturnsWhenTheOtherProcessSends()
    {
        byte[] key = Listeners.Key(7);
        using Listener listener = Listener.Create(key);
        using ChildProcess child = ChildProcess.Start(static (string path, byte[] k) =>
        {
            using Connection c = Client.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path), k);
            c.Send("ping");
            _ = c.Receive<string>(); // stays until the parent answers
        }, listener.Address.ToString()!, key);
        using Connection server = listener.Accept();

        IReadOnlyList<Connection> ready = await Connection.WaitAsync([server]);
        Assert.Equal([server], ready);
        Assert.Equal("ping", server.Receive<string>());
        server.Send("pong");
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task Cancellation_StopsTheWait()
    {
        (Connection r, Connection w) = Pipe.Create(duplex: false);
        using (r)
        using (w)
        {
            using var cts = new CancellationTokenSource();
            Task<IReadOnlyList<Connection>> waiting = Connection.WaitAsync([r], cancellationToken: cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

            // The pipe is still usable: the cancelled wait left nothing behind.
            w.Send(1);
            Assert.Equal([r], Connection.Wait([r], Within.Deadline));
            Assert.Equal(1, r.Receive<int>());
        }
    }

    [Fact]
    public void BadInput_GetsAClearError()
    {
        (Connection r, Connection w) = Pipe.Create(duplex: false);
        using (w)
        {
            ArgumentException e = Assert.Throws<ArgumentException>(() => Connection.Wait<object>([r, "not waitable"], TimeSpan.Zero));
            Assert.Contains("String", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentNullException>(() => Connection.Wait<object>(null!, TimeSpan.Zero));
            Assert.Throws<ArgumentNullException>(() => Connection.Wait<object>([r, null!], TimeSpan.Zero));
            Assert.Throws<InvalidOperationException>(() => Connection.Wait([w], TimeSpan.Zero)); // a write-only end

            r.Dispose();
            Assert.Throws<ObjectDisposedException>(() => Connection.Wait([r], TimeSpan.Zero));
        }
    }
}
