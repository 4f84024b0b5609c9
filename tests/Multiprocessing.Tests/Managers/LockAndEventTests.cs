using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>Managed locks and events: the waits happen in the manager.</summary>
public sealed class LockAndEventTests
{
    /// <summary>Rounds of <see cref="SetThenClearAtOnce_WakesEveryWaiter_InEveryProcess"/>.</summary>
    private const int EventRounds = 15;

    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void LockHeldElsewhere_TryAcquireReturnsNull_ReleaseByAnyProxyFreesIt()
    {
        using Manager manager = Manager.Start();
        using ManagedLock first = manager.Lock("gate");
        using ManagedLock second = manager.Lock("gate");

        LockHandle held = first.Acquire();
        Assert.False(held.WasAbandoned);
        Assert.Null(second.TryAcquire(Short));
        Assert.Throws<TimeoutException>(() => second.Acquire(Short));

        second.Release(); // as Python's: any holder of a proxy may release
        using (LockHandle taken = second.Acquire(Within.Deadline))
        {
            Assert.Null(first.TryAcquire());
        }

        held.Dispose(); // stale: the lock was released since, so this does nothing
        Assert.NotNull(first.TryAcquire());
        first.Release();
        RemoteException e = Assert.Throws<RemoteException>(first.Release);
        Assert.Equal(typeof(SynchronizationLockException).FullName, e.RemoteType);
    }

    [Fact]
    public void IsLocked_SeesAHolderInAnotherProcess_AndTheRelease()
    {
        // Python's locked(): whether any holder holds it, not only this proxy.
        using Manager manager = Manager.Start();
        using ManagedLock lk = manager.Lock();
        using ManagedEvent held = manager.Event();
        using ManagedEvent release = manager.Event();
        Assert.False(lk.IsLocked);

        using ChildProcess<bool> holder = ChildProcess.Start(static (ManagedLock l, ManagedEvent h, ManagedEvent r) =>
        {
            using (l.Acquire(TimeSpan.FromSeconds(30)))
            {
                h.Set();
                return r.TryWait(TimeSpan.FromSeconds(30));
            }
        }, lk, held, release);
        Assert.True(held.TryWait(Within.Deadline));
        Assert.True(lk.IsLocked);
        Assert.Null(lk.TryAcquire());

        release.Set();
        Assert.True(holder.ResultOrFail()); // the child has released it and ended
        Assert.False(lk.IsLocked);

        using (lk.Acquire(Within.Deadline))
        {
            Assert.True(lk.IsLocked);
        }

        Assert.False(lk.IsLocked);
        lk.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lk.IsLocked);
    }

    [Fact]
    public void IsLocked_OfAnRLock_StaysTrueUntilTheLastRelease()
    {
        using Manager manager = Manager.Start();
        using ManagedLock mine = manager.RLock("r");
        using ManagedLock other = manager.RLock("r");
        using (mine.Acquire(Within.Deadline))
        {
            using (mine.Acquire(Within.Deadline))
            {
                Assert.True(other.IsLocked);
            }

            Assert.True(other.IsLocked); // one release of two
        }

        Assert.False(other.IsLocked);
    }

    [Fact]
    public void RLock_TheHolderReacquires_ReleasesAsOften_AndOnlyItMayRelease()
    {
        using Manager manager = Manager.Start();
        using ManagedLock mine = manager.RLock("r");
        using ManagedLock other = manager.RLock("r");
        Assert.True(mine.IsReentrant);

        using (mine.Acquire(Within.Deadline))
        {
            using (mine.Acquire(Within.Deadline))
            {
                Assert.Null(other.TryAcquire());
            }

            Assert.Null(other.TryAcquire()); // one release of two: still held
            RemoteException e = Assert.Throws<RemoteException>(other.Release);
            Assert.Equal(typeof(SynchronizationLockException).FullName, e.RemoteType);
        }

        using LockHandle taken = other.Acquire(Within.Deadline);
        Assert.Null(mine.TryAcquire());
    }


    [Fact]
    public async Task SetThenClearAtOnce_WakesEveryWaiter_InEveryProcess()
    {
        // Python: every process waiting in the manager when set() runs returns True, even if clear() follows at
        // once. The blocking waits are single requests (the manager looks again every 100 ms); the async ones are
        // made of 100 ms requests, so the set and the clear may both come between two of them.
        using Manager manager = Manager.Start();
        using ManagedEvent ev = manager.Event("e");
        using ManagedEvent blocking = manager.Event("e"), awaiting = manager.Event("e");
        using ManagedEvent childBlocking = manager.Event("e"), childAwaiting = manager.Event("e");
        using var woken = SharedSemaphore.Create(0);
        using var next = SharedSemaphore.Create(0);

        using ChildProcess<int> child = ChildProcess.Start(WaitEachRound, childBlocking, childAwaiting, woken, next);
        Task<int> mine = Task.Run(() => WaitEachRound(blocking, awaiting, woken, next));

        WakeUpRounds.Drive(EventRounds, 2 * WakeUpRounds.PerProcess, () => ev.WaitingCount, () =>
        {
            ev.Set();
            ev.Clear();
        }, woken, next, child);

        Assert.Equal(-1, await mine.WaitAsync(Within.Deadline));
        Assert.Equal(-1, child.ResultOrFail());
        Assert.False(ev.IsSet);
    }

    [Fact]
    public void ChildWaitsOnTheEvent_ParentSetsIt_TheChildWakes()
    {
        using Manager manager = Manager.Start();
        using ManagedEvent ev = manager.Event();
        using ManagedEvent started = manager.Event();

        Assert.False(ev.IsSet);
        Assert.False(ev.TryWait(Short));
        Assert.Throws<TimeoutException>(() => ev.Wait(Short));

        using ChildProcess<bool> waiter = ChildProcess.Start(static (ManagedEvent e, ManagedEvent s) =>
        {
            s.Set();
            return e.TryWait(TimeSpan.FromSeconds(30));
        }, ev, started);
        Assert.True(started.TryWait(Within.Deadline));
        ev.Set();

        Assert.True(waiter.ResultOrFail());
        Assert.True(ev.IsSet);
        ev.Clear();
        Assert.False(ev.IsSet);
    }

    /// <summary>A process's waiters on a managed event, each with its own proxy (connection): one blocking, one async; -1, or the first round one of them missed.</summary>
    private static Task<int> WaitEachRound(ManagedEvent blocking, ManagedEvent awaiting, SharedSemaphore woken, SharedSemaphore next) =>
        WakeUpRounds.WaitBothWays(
            EventRounds,
            woken,
            next,
            () => blocking.TryWait(Within.Deadline),
            () => awaiting.TryWaitAsync(Within.Deadline).AsTask());
}
