using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Disposal;

/// <summary>
/// Pools, managers and manager proxies refuse every call with <see cref="ObjectDisposedException"/> once disposed,
/// except their documented idempotent life-cycle members (a pool's Close, Terminate (and a process pool's
/// TerminateWorkers and KillWorkers) and Join after Dispose do
/// nothing, as in Python after close() and join(); its diagnostics are readable at any time: Counters, IsOpen
/// (false), IsBroken, GetRecentTasks (the history), and a process pool's WorkerPids, GetWorkers and GetQueuedTaskIds (then empty); its WorkerCount and CancelGracePeriod, and a manager's Address,
/// AuthKey and Process are plain values).
/// </summary>
public sealed class PoolsAndManagersAfterDisposeTests
{
    private static readonly string[] PoolLifecycle = ["Close", "Terminate", "Join", "JoinAsync", "Counters", "WorkerCount", "WorkerPids", "CancelGracePeriod", "TerminateWorkers", "KillWorkers", "IsOpen", "IsBroken", "GetWorkers", "GetRecentTasks", "GetQueuedTaskIds"];

    [Theory]
    [InlineData("thread-pool")]
    [InlineData("process-pool")]
    public void Pool_EveryPublicMember_ThrowsObjectDisposed(string kind)
    {
        using ChildProcess<string> child = ChildProcess.Start(static (string k) =>
        {
            WorkerPool pool = k == "thread-pool" ? new ThreadWorkerPool(1) : new ProcessPool(new PoolOptions { WorkerCount = 1 });
            pool.Dispose();
            var skipped = new List<string>();
            return string.Join("\n", AfterDispose.Probe(pool, PoolLifecycle, skipped).Concat(skipped.Select(s => "skipped " + s)));
        }, kind);

        string failures = child.ResultOrFail();
        Assert.True(failures.Length == 0, $"Members of a disposed {kind} that did not throw ObjectDisposedException:\n{failures}");
    }

    [Fact]
    public void Manager_AndEveryProxy_EveryPublicMember_ThrowsObjectDisposed()
    {
        using ChildProcess<string> child = ChildProcess.Start(static () =>
        {
            var failures = new List<string>();
            var skipped = new List<string>();
            Manager manager = Manager.Start();
            object[] proxies =
            [
                manager.Dictionary<string, int>(), manager.List<int>(), manager.Value(1), manager.Lock(), manager.RLock(),
                manager.Event(), manager.Semaphore(), manager.Namespace(), manager.Queue<int>(), manager.JoinableQueue<int>(),
                manager.Condition(), manager.Barrier(2), manager.Array<int>(3),
            ];
            foreach (object proxy in proxies)
            {
                ((IDisposable)proxy).Dispose();
                failures.AddRange(AfterDispose.Probe(proxy, [], skipped).Select(f => $"{proxy.GetType().Name}.{f}"));
            }

            // Skipped by the probe (a span parameter): by hand.
            var array = (ManagedArray<int>)proxies[^1];
            try
            {
                array.CopyFrom([1, 2], 0);
                failures.Add("ManagedArray`1.CopyFrom: returned");
            }
            catch (ObjectDisposedException)
            {
            }

            manager.Dispose();
            failures.AddRange(AfterDispose.Probe(manager, ["Address", "AuthKey", "Process"], skipped).Select(f => $"Manager.{f}"));
            return string.Join("\n", failures.Concat(skipped.Distinct().Where(s => s != "CopyFrom").Select(s => "skipped " + s)));
        });

        string failures = child.ResultOrFail();
        Assert.True(failures.Length == 0, $"Members that did not throw ObjectDisposedException after Dispose:\n{failures}");
    }
}
