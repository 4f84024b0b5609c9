using System.Collections.Concurrent;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>
/// The proxies' async twins and cancellation: the async forms hold no thread while the manager waits, a cancelled
/// wait throws <see cref="OperationCanceledException"/> and leaves the proxy usable, and a permit or item taken as the
/// token fires is returned rather than lost. Every wait is bounded by <see cref="Within.Deadline"/>.
/// </summary>
public sealed class AsyncProxyTests
{
    [Fact]
    public async Task AcquireAsync_OnALockAChildHolds_CompletesOnceTheChildReleasesIt()
    {
        using Manager manager = Manager.Start();
        using ManagedLock lk = manager.Lock();
        using SharedEvent holding = SharedEvent.Create();
        using SharedEvent release = SharedEvent.Create();

        using ChildProcess holder = HoldInChild(lk, holding, release);

        Task<LockHandle> acquiring = lk.AcquireAsync(Within.Deadline).AsTask();
        Assert.False(acquiring.IsCompleted); // the child holds it until told
        release.Set();

        using (LockHandle handle = await acquiring.WaitAsync(Within.Deadline))
        {
            Assert.False(handle.WasAbandoned);
        }

        holder.JoinOrFail();
        Assert.Equal(0, holder.ExitCode);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_Throws_LockIsNotHeld_AndTheProxyWorksAfterwards()
    {
        using Manager manager = Manager.Start();
        using ManagedLock lk = manager.Lock();
        using SharedEvent holding = SharedEvent.Create();
        using SharedEvent release = SharedEvent.Create();
        using ChildProcess holder = HoldInChild(lk, holding, release);

        using var cts = new CancellationTokenSource();
        Task<LockHandle> acquiring = lk.AcquireAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquiring.WaitAsync(Within.Deadline));

        // The blocking form, too.
        using var cts2 = new CancellationTokenSource();
        Task blocking = Task.Run(() => lk.Acquire(null, cts2.Token));
        await cts2.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocking.WaitAsync(Within.Deadline));

        release.Set();
        holder.JoinOrFail();
        Assert.Equal(0, holder.ExitCode);

        // Nothing was left held by the cancelled waits: another process takes the lock, then this proxy does.
        using ChildProcess<bool> taker = ChildProcess.Start(static (ManagedLock l) =>
        {
            LockHandle? h = l.TryAcquire(TimeSpan.FromSeconds(30));
            h?.Dispose();
            return h is not null;
        }, lk);
        Assert.True(taker.ResultOrFail());
        using (await lk.AcquireAsync(Within.Deadline))
        {
            Assert.Null(await lk.TryAcquireAsync(TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task SemaphoreAcquireAsync_Cancelled_LosesNoPermit()
    {
        using Manager manager = Manager.Start();
        using ManagedSemaphore sem = manager.Semaphore(1);
        Assert.True(sem.TryAcquire());

        using var cts = new CancellationTokenSource();
        Task<LockHandle> acquiring = sem.AcquireAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquiring.WaitAsync(Within.Deadline));

        sem.Release(); // the proxy works after the cancelled wait
        using ChildProcess<bool> taker = ChildProcess.Start(static (ManagedSemaphore s) => s.TryAcquire(TimeSpan.FromSeconds(30)), sem);
        Assert.True(taker.ResultOrFail()); // the one permit was still there
        Assert.False(await sem.TryAcquireAsync(TimeSpan.Zero)); // and the child kept it
    }

    [Fact]
    public async Task ReleaseRacingCancellation_ThePermitIsEitherReturnedOrStillThere()
    {
        using Manager manager = Manager.Start();
        using ManagedSemaphore waiter = manager.Semaphore(0, name: "race");
        using ManagedSemaphore giver = manager.Semaphore(0, name: "race");

        for (int i = 0; i < 20; i++)
        {
            using var cts = new CancellationTokenSource();
            Task<bool> acquiring = waiter.TryAcquireAsync(Within.Deadline, cts.Token).AsTask();
            Task give = Task.Run(() => giver.Release());
            Task cancel = cts.CancelAsync();
            await Task.WhenAll(give, cancel).WaitAsync(Within.Deadline);

            bool acquired;
            try
            {
                acquired = await acquiring.WaitAsync(Within.Deadline);
            }
            catch (OperationCanceledException)
            {
                acquired = false;
            }

            // Exactly one permit was given: held by the waiter, or still in the semaphore.
            bool stillThere = giver.TryAcquire();
            Assert.True(acquired != stillThere, $"round {i}: acquired {acquired}, still there {stillThere}");
            Assert.False(giver.TryAcquire());
        }
    }

    [Fact]
    public async Task PutRacingCancellationOfGetAsync_TheItemIsEitherReturnedOrStillQueued()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<int> getter = manager.Queue<int>(name: "race");
        using ManagedQueue<int> putter = manager.Queue<int>(name: "race");

        for (int i = 0; i < 20; i++)
        {
            using var cts = new CancellationTokenSource();
            Task<int> getting = getter.GetAsync(Within.Deadline, cts.Token).AsTask();
            Task put = Task.Run(() => putter.Put(i));
            Task cancel = cts.CancelAsync();
            await Task.WhenAll(put, cancel).WaitAsync(Within.Deadline);

            int? got;
            try
            {
                got = await getting.WaitAsync(Within.Deadline);
            }
            catch (OperationCanceledException)
            {
                got = null;
            }

            bool stillQueued = putter.TryGet(out int left);
            Assert.True(got is null == stillQueued, $"round {i}: got {got}, still queued {stillQueued}");
            Assert.Equal(i, got ?? left);
            Assert.Equal(0, putter.Count);
        }
    }

    [Fact]
    public async Task ACancellableWait_LetsTheProxysOtherCallsThroughBetweenSlices()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<int> q = manager.Queue<int>();
        using var cts = new CancellationTokenSource();

        Task<int> blocking = Task.Run(() => q.Get(Within.Deadline, cts.Token));
        Task<int> async = q.GetAsync(Within.Deadline, cts.Token).AsTask();
        q.Put(1); // through the same proxy, between the waits' slices
        await q.PutAsync(2);

        Assert.Equal([1, 2], (await Task.WhenAll(blocking, async).WaitAsync(Within.Deadline)).Order());
    }

    [Fact]
    public async Task EventWaitAsync_Cancelled_Throws_ThenAWaitSeesTheEventSet()
    {
        using Manager manager = Manager.Start();
        using ManagedEvent ev = manager.Event();

        using var cts = new CancellationTokenSource();
        Task waiting = ev.WaitAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));
        Assert.False(await ev.TryWaitAsync(TimeSpan.Zero));

        using ChildProcess setter = ChildProcess.Start(static (ManagedEvent e) => e.Set(), ev);
        await ev.WaitAsync(Within.Deadline).AsTask().WaitAsync(Within.Deadline);
        setter.JoinOrFail();
        Assert.True(ev.IsSet);
    }

    [Fact]
    public async Task QueueGetAsync_Cancelled_Throws_ThenReceivesAnItemAChildPuts()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<string> q = manager.Queue<string>();

        using var cts = new CancellationTokenSource();
        Task<string> getting = q.GetAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => getting.WaitAsync(Within.Deadline));

        using ChildProcess putter = ChildProcess.Start(static (ManagedQueue<string> queue) => queue.Put("from the child"), q);
        using var unused = new CancellationTokenSource();
        Assert.Equal("from the child", await q.GetAsync(Within.Deadline, unused.Token).AsTask().WaitAsync(Within.Deadline));
        putter.JoinOrFail();
        Assert.Equal(0, q.Count);

        await q.PutAsync("back");
        Assert.Equal("back", q.Get(TimeSpan.Zero));
        await Assert.ThrowsAsync<TimeoutException>(async () => await q.GetAsync(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public async Task JoinAsync_CompletesOnceAChildHasMarkedEveryItemDone()
    {
        using Manager manager = Manager.Start();
        using ManagedJoinableQueue<int> q = manager.JoinableQueue<int>();
        await q.PutAsync(1);
        await q.PutAsync(2);

        using ChildProcess consumer = ChildProcess.Start(static (ManagedJoinableQueue<int> queue) =>
        {
            for (int i = 0; i < 2; i++)
            {
                _ = queue.Get(TimeSpan.FromSeconds(30));
                queue.TaskDone();
            }
        }, q);

        using var cts = new CancellationTokenSource();
        await q.JoinAsync(Within.Deadline, cts.Token).AsTask().WaitAsync(Within.Deadline);
        consumer.JoinOrFail();
        Assert.Equal(0, consumer.ExitCode);
        await q.JoinAsync(TimeSpan.Zero);
    }

    [Fact]
    public async Task ConditionWaitAsync_IsWokenByAChildsNotify_AndACancelledWaitHoldsTheLockAgain()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition cond = manager.Condition();
        using var unused = new CancellationTokenSource(); // a token that can be cancelled: the wait is sliced

        using (await cond.AcquireAsync(Within.Deadline))
        {
            // The child can take the lock only while this proxy waits, so its notify cannot come too early.
            using ChildProcess notifier = ChildProcess.Start(static (ManagedCondition c) =>
            {
                using (c.Acquire(TimeSpan.FromSeconds(30)))
                {
                    c.Notify();
                }
            }, cond);
            Assert.True(await cond.WaitAsync(Within.Deadline, unused.Token).AsTask().WaitAsync(Within.Deadline));
            notifier.JoinOrFail();
            Assert.Equal(0, notifier.ExitCode);

            using var cts = new CancellationTokenSource();
            Task<bool> waiting = cond.WaitAsync(null, cts.Token).AsTask();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));
            cond.Notify(); // the lock is held again: no SynchronizationLockException
        }

        Assert.Throws<SynchronizationLockException>(() => cond.Notify());
    }

    [Fact]
    public async Task BarrierWaitAsync_MeetsTwoChildren()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(3);
        using ChildProcess<int> a = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        using ChildProcess<int> b = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);

        int mine = await barrier.WaitAsync(Within.Deadline).AsTask().WaitAsync(Within.Deadline);

        Assert.Equal([0, 1, 2], new[] { mine, a.ResultOrFail(), b.ResultOrFail() }.Order());
        Assert.False(barrier.IsBroken);
    }

    [Fact]
    public async Task BarrierWaitAsync_Cancelled_BreaksTheBarrier_AndTheProxyWorksAfterwards()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(2, "meet");
        using ManagedBarrier watcher = manager.Barrier(2, "meet");

        using var cts = new CancellationTokenSource();
        Task<int> waiting = barrier.WaitAsync(null, cts.Token).AsTask();
        Assert.True(SpinWait.SpinUntil(() => watcher.WaitingCount == 1, Within.Deadline), "the wait did not arrive");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));

        Assert.True(SpinWait.SpinUntil(() => watcher.IsBroken, Within.Deadline), "the cancelled wait did not break the barrier");
        Assert.True(barrier.IsBroken); // this proxy connects again
        barrier.Reset();
        using ChildProcess<int> other = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        int mine = await barrier.WaitAsync(Within.Deadline).AsTask().WaitAsync(Within.Deadline);
        Assert.Equal([0, 1], new[] { mine, other.ResultOrFail() }.Order());
    }

    [Fact]
    public async Task BarrierWait_BlockingFormCancelled_BreaksTheBarrier_AndTheProxyWorksAfterwards()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(2, "meet");
        using ManagedBarrier watcher = manager.Barrier(2, "meet");

        using var cts = new CancellationTokenSource();
        Task<int> waiting = Task.Run(() => barrier.Wait(null, cts.Token));
        Assert.True(SpinWait.SpinUntil(() => watcher.WaitingCount == 1, Within.Deadline), "the wait did not arrive");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));

        Assert.True(SpinWait.SpinUntil(() => watcher.IsBroken, Within.Deadline), "the cancelled wait did not break the barrier");
        barrier.Reset();
        Assert.False(barrier.IsBroken);
    }

    [Fact]
    public async Task SyncAndAsyncCallsOnOneProxy_FromManyTasksAtOnce_AllCompleteCorrectly()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<int> q = manager.Queue<int>();
        const int PerProducer = 100;

        // Puts: four tasks await PutAsync while a thread calls Put and Count, all through the same proxy.
        var producers = new List<Task>();
        for (int p = 0; p < 4; p++)
        {
            int first = p * PerProducer;
            producers.Add(Task.Run(async () =>
            {
                for (int i = first; i < first + PerProducer; i++)
                {
                    await q.PutAsync(i);
                }
            }));
        }

        producers.Add(Task.Run(() =>
        {
            for (int i = 4 * PerProducer; i < 5 * PerProducer; i++)
            {
                q.Put(i);
                Assert.InRange(q.Count, 1, 5 * PerProducer);
            }
        }));
        await Task.WhenAll(producers).WaitAsync(Within.Deadline);
        Assert.Equal(5 * PerProducer, q.Count);

        // Gets: the same mix, with tokens that can be cancelled (sliced waits) and without.
        using var cts = new CancellationTokenSource();
        var got = new ConcurrentBag<int>();
        var consumers = new List<Task>();
        for (int c = 0; c < 4; c++)
        {
            bool sliced = c % 2 == 0;
            consumers.Add(Task.Run(async () =>
            {
                for (int i = 0; i < PerProducer; i++)
                {
                    got.Add(await q.GetAsync(Within.Deadline, sliced ? cts.Token : default));
                }
            }));
        }

        consumers.Add(Task.Run(() =>
        {
            for (int i = 0; i < PerProducer; i++)
            {
                got.Add(q.Get(Within.Deadline, cts.Token));
            }
        }));
        await Task.WhenAll(consumers).WaitAsync(Within.Deadline);

        Assert.Equal(Enumerable.Range(0, 5 * PerProducer), got.Order());
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task ManagerKilled_APendingAsyncCall_AndLaterOnes_FailWithManagerUnavailableException()
    {
        using Manager manager = Manager.Start();
        using ManagedQueue<int> q = manager.Queue<int>();
        using ManagedLock lk = manager.Lock();
        await q.PutAsync(1);
        Assert.Equal(1, await q.GetAsync(Within.Deadline));

        Task<int> pending = q.GetAsync().AsTask(); // one request, waiting in the manager for ever
        manager.Process!.Kill();
        manager.Process.JoinOrFail();

        await Assert.ThrowsAsync<ManagerUnavailableException>(() => pending.WaitAsync(Within.Deadline));
        await Assert.ThrowsAsync<ManagerUnavailableException>(() => q.GetAsync(TimeSpan.Zero).AsTask().WaitAsync(Within.Deadline));
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAsync<ManagerUnavailableException>(() => lk.AcquireAsync(Within.Deadline, cts.Token).AsTask().WaitAsync(Within.Deadline));
    }

    /// <summary>Starts a child that takes <paramref name="lk"/>, says so through <paramref name="holding"/>, and keeps it until <paramref name="release"/>.</summary>
    private static ChildProcess HoldInChild(ManagedLock lk, SharedEvent holding, SharedEvent release)
    {
        ChildProcess holder = ChildProcess.Start(HoldUntilReleased, lk, holding, release);
        Assert.True(holding.TryWait(Within.Deadline), "the child did not take the lock");
        return holder;
    }

    private static void HoldUntilReleased(ManagedLock l, SharedEvent h, SharedEvent r)
    {
        using (l.Acquire(TimeSpan.FromSeconds(30)))
        {
            h.Set();
            r.Wait(TimeSpan.FromSeconds(30));
        }
    }
}
