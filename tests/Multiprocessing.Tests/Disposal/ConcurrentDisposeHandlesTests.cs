using System.Net.Sockets;
using Multiprocessing.Tests.Support;
using Round = Multiprocessing.Tests.Disposal.ConcurrentDispose.Round;

namespace Multiprocessing.Tests.Disposal;

/// <summary>
/// Dispose races calls on other threads for the objects that hold handles rather than mappings: socket
/// connections, pools, the manager and its proxies. Every call succeeds or throws
/// <see cref="ObjectDisposedException"/>, waiting calls end, and the process does not crash. In child processes.
/// </summary>
public sealed class ConcurrentDisposeHandlesTests
{
    [Fact]
    public void SocketConnection_DisposeRacingCalls()
    {
        using ChildProcess<string> child = ChildProcess.Start(static () =>
        {
            using Listener listener = Listener.Create();
            return ConcurrentDispose.Run(() =>
            {
                Task<Connection> accept = Task.Run(listener.Accept);
                Connection a = Client.Connect(listener.Address);
                Connection b = accept.GetAwaiter().GetResult();
                return new Round(
                    [
                        () => a.Send(new byte[1000]), // nobody reads b: fills the socket buffers, then waits
                        () => a.Receive<int>(), // nobody sends: waits
                        () => a.Poll(TimeSpan.FromMilliseconds(1)),
                    ],
                    a.Dispose,
                    b.Dispose);
            }, rounds: 10);
        });

        string result = child.ResultOrFail();
        Assert.True(result.StartsWith("ok", StringComparison.Ordinal), result);
    }

    [Theory]
    [InlineData("thread-pool")]
    [InlineData("process-pool")]
    public void Pool_DisposeRacingSubmissions(string kind)
    {
        using ChildProcess<string> child = ChildProcess.Start(static (string k) => ConcurrentDispose.Run(
            () =>
            {
                WorkerPool pool = k == "thread-pool" ? new ThreadWorkerPool(2) : new ProcessPool(new PoolOptions { WorkerCount = 1 });
                return new Round(
                    [
                        () => pool.Apply(Work.One),
                        () => pool.Submit(Work.One).GetAwaiter().GetResult(),
                        () => pool.Map(Work.Twice, [1, 2, 3]),
                    ],
                    pool.Dispose);
            },
            rounds: k == "thread-pool" ? 25 : 3,
            spread: k == "thread-pool" ? 400 : 20), kind);

        string result = child.ResultOrFail();
        Assert.True(result.StartsWith("ok", StringComparison.Ordinal), result);
    }

    [Theory]
    [InlineData("queue")]
    [InlineData("event")]
    [InlineData("lock")]
    [InlineData("manager")]
    public void Manager_DisposeRacingCalls(string kind)
    {
        using ChildProcess<string> child = ChildProcess.Start(static (string k) =>
        {
            using Manager manager = Manager.Start();
            return ConcurrentDispose.Run(
                () =>
                {
                    switch (k)
                    {
                        case "queue":
                            ManagedQueue<int> q = manager.Queue<int>();
                            return new Round([() => q.Put(1), () => q.Get(), () => _ = q.Count], q.Dispose);
                        case "event":
                            ManagedEvent e = manager.Event();
                            return new Round([() => e.Wait(), () => _ = e.IsSet], e.Dispose); // Wait: never set, waits in the manager
                        case "lock":
                            ManagedLock l = manager.Lock();
                            return new Round([() => l.Acquire().Dispose(), () => l.TryAcquire()?.Dispose()], l.Dispose);
                        default:
                            Manager m = Manager.Connect(manager.Address, manager.AuthKey);
                            return new Round([() => m.Value(1).Dispose(), () => m.Lock().Dispose()], m.Dispose);
                    }
                },
                rounds: 4,
                spread: 20);
        }, kind);

        string result = child.ResultOrFail();
        Assert.True(result.StartsWith("ok", StringComparison.Ordinal), result);
    }

    /// <summary>Pool work that crosses to a process pool's workers.</summary>
    private static class Work
    {
        public static int One() => 1;

        public static int Twice(int x) => 2 * x;
    }
}
