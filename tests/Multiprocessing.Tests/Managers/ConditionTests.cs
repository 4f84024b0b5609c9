using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>
/// A managed condition: waits happen in the manager, which releases the lock for them and takes it again. A child
/// that says "ready" while it holds the lock is known to be waiting once the parent gets the lock: the only way
/// the child lets go of it is the wait.
/// </summary>
public sealed class ConditionTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void ChildWaits_TheParentNotifies_TheChildWakesHoldingTheLockAgain()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition cond = manager.Condition();
        using ManagedEvent ready = manager.Event();

        using ChildProcess<bool> waiter = ChildProcess.Start(static (ManagedCondition c, ManagedEvent r) =>
        {
            using (c.Acquire(TimeSpan.FromSeconds(30)))
            {
                r.Set();
                bool notified = c.Wait(TimeSpan.FromSeconds(30));
                c.Notify(); // throws unless the wait took the lock again
                return notified;
            }
        }, cond, ready);

        Assert.True(ready.TryWait(Within.Deadline));
        using (cond.Acquire(Within.Deadline)) // free only once the child waits
        {
            cond.Notify();
        }

        Assert.True(waiter.ResultOrFail());
        Assert.NotNull(cond.TryAcquire()); // the child's handle released the lock it had again
    }

    [Fact]
    public void Wait_TimesOut_ReturnsFalse_AndHoldsTheLockAgain()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition mine = manager.Condition(name: "c");
        using ManagedCondition other = manager.Condition(name: "c");

        using (mine.Acquire(Within.Deadline))
        {
            Assert.False(mine.Wait(Short));
            Assert.False(mine.WaitFor(static () => false, Short));
            Assert.Null(other.TryAcquire()); // held again after the wait
            mine.Notify(); // and held by this proxy
        }

        using LockHandle taken = other.Acquire(Within.Deadline);
        Assert.Null(mine.TryAcquire());
    }

    [Fact]
    public void WaitOrNotify_WithoutTheLock_ThrowSynchronizationLockException()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition mine = manager.Condition(name: "c");
        using ManagedCondition other = manager.Condition(name: "c");

        Assert.Throws<SynchronizationLockException>(() => mine.Wait(Short));
        Assert.Throws<SynchronizationLockException>(() => mine.Notify());
        Assert.Throws<SynchronizationLockException>(mine.NotifyAll);
        Assert.Throws<SynchronizationLockException>(mine.Release);
        using (other.Acquire(Within.Deadline))
        {
            // Held, but through another proxy: as in Python's manager, holding is per connection.
            Assert.Throws<SynchronizationLockException>(() => mine.Wait(Short));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => mine.Notify(0));
    }

    [Fact]
    public void NotifyTwo_WakesTwoOfThreeWaiters_ThenNotifyWakesTheLast()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition cond = manager.Condition();
        using ManagedQueue<int> ready = manager.Queue<int>();
        using ManagedQueue<int> woken = manager.Queue<int>();

        var waiters = new List<ChildProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                waiters.Add(ChildProcess.Start(WaitThenReport, cond, ready, woken, i));
            }

            for (int i = 0; i < 3; i++)
            {
                ready.Get(Within.Deadline);
            }

            using (cond.Acquire(Within.Deadline)) // every child said ready holding the lock, so all three now wait
            {
                cond.Notify(2);
            }

            int first = woken.Get(Within.Deadline);
            int second = woken.Get(Within.Deadline);
            Assert.NotEqual(first, second);
            waiters[first].JoinOrFail();
            waiters[second].JoinOrFail();
            int last = 3 - first - second;
            Assert.False(woken.TryGet(out _, Short), "a third waiter woke on Notify(2)");
            Assert.True(waiters[last].IsAlive);

            using (cond.Acquire(Within.Deadline))
            {
                cond.Notify();
            }

            Assert.Equal(last, woken.Get(Within.Deadline));
            waiters[last].JoinOrFail();
            Assert.All(waiters, w => Assert.Equal(0, w.ExitCode));
        }
        finally
        {
            waiters.ForEach(w => w.Dispose());
        }
    }

    [Fact]
    public void HolderKilled_TheLockIsReleased_AndTheNextAcquirerIsToldItWasAbandoned()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition cond = manager.Condition();
        using ManagedEvent holding = manager.Event();

        using ChildProcess holder = ChildProcess.Start(static (ManagedCondition c, ManagedEvent h) =>
        {
            _ = c.Acquire();
            h.Set();
            using var never = new ManualResetEventSlim();
            never.Wait();
        }, cond, holding);
        Assert.True(holding.TryWait(Within.Deadline), "the holder did not take the lock");
        Assert.Null(cond.TryAcquire());

        holder.Kill();
        holder.JoinOrFail();

        using LockHandle handle = cond.Acquire(Within.Deadline);
        Assert.True(handle.WasAbandoned);
        Assert.False(cond.Wait(Short)); // and the condition still works
    }

    [Fact]
    public void WaiterKilled_IsDropped_TheNotificationReachesTheNextWaiter()
    {
        using Manager manager = Manager.Start();
        using ManagedCondition cond = manager.Condition();
        using ManagedQueue<int> ready = manager.Queue<int>();
        using ManagedQueue<int> woken = manager.Queue<int>();

        using ChildProcess doomed = ChildProcess.Start(WaitThenReport, cond, ready, woken, 0);
        Assert.Equal(0, ready.Get(Within.Deadline));
        using (cond.Acquire(Within.Deadline))
        {
            // the first waiter is queued
        }

        doomed.Kill();
        doomed.JoinOrFail();

        using ChildProcess survivor = ChildProcess.Start(WaitThenReport, cond, ready, woken, 1);
        Assert.Equal(1, ready.Get(Within.Deadline));
        using (cond.Acquire(Within.Deadline))
        {
            cond.Notify(); // one notification: the dead waiter, first in line, must not take it
        }

        Assert.Equal(1, woken.Get(Within.Deadline));
        survivor.JoinOrFail();
        Assert.Equal(0, survivor.ExitCode);
    }

    [Fact]
    public void OverAManagedLock_TheConditionUsesThatLock()
    {
        using Manager manager = Manager.Start();
        using ManagedLock lk = manager.Lock();
        using ManagedCondition cond = manager.Condition(lk);
        using ManagedEvent ready = manager.Event();

        using (cond.Acquire(Within.Deadline))
        {
            Assert.Null(lk.TryAcquire());
        }

        using ChildProcess<bool> waiter = ChildProcess.Start(static (ManagedCondition c, ManagedEvent r) =>
        {
            using (c.Acquire(TimeSpan.FromSeconds(30)))
            {
                r.Set();
                return c.Wait(TimeSpan.FromSeconds(30));
            }
        }, cond, ready);

        Assert.True(ready.TryWait(Within.Deadline));
        using (cond.Acquire(Within.Deadline))
        {
            cond.NotifyAll();
        }

        Assert.True(waiter.ResultOrFail());
        using LockHandle free = lk.Acquire(Within.Deadline); // the child's handle released it after the wait

        using Manager another = Manager.Start();
        Assert.Throws<ArgumentException>(() => another.Condition(lk));
    }

    [Fact]
    public async Task SlicedWaits_AreWokenByANotifierThatHeldTheLockPastTheSlice()
    {
        // A wait made of 100 ms requests (async, or with a token that can be cancelled) used to leave the line when
        // a request timed out, before it had the lock back; a notifier that held the lock across that moment then
        // notified nobody, and the wait went on for its whole timeout. The child holds the lock longer than a
        // slice, so that the request in flight times out while it holds it.
        using Manager manager = Manager.Start();
        using ManagedCondition cond = manager.Condition();
        using var cancellable = new CancellationTokenSource();

        using (await cond.AcquireAsync(Within.Deadline))
        {
            using (ChildProcess notifier = ChildProcess.Start(NotifyAfterHoldingTheLock, cond))
            {
                Assert.True(await cond.WaitAsync(Within.Deadline));
                notifier.JoinOrFail();
                Assert.Equal(0, notifier.ExitCode);
            }

            using (ChildProcess notifier = ChildProcess.Start(NotifyAfterHoldingTheLock, cond))
            {
                Assert.True(cond.Wait(Within.Deadline, cancellable.Token));
                notifier.JoinOrFail();
                Assert.Equal(0, notifier.ExitCode);
            }

            cond.Notify(); // the lock is held again
        }
    }

    private static void WaitThenReport(ManagedCondition cond, ManagedQueue<int> ready, ManagedQueue<int> woken, int me)
    {
        using (cond.Acquire(TimeSpan.FromSeconds(30)))
        {
            ready.Put(me);
            if (cond.Wait(TimeSpan.FromSeconds(30)))
            {
                woken.Put(me);
            }
        }
    }

    /// <summary>Takes the lock (free only while the parent waits), holds it for several of the parent's 100 ms wait slices, and notifies.</summary>
    private static void NotifyAfterHoldingTheLock(ManagedCondition cond)
    {
        using (cond.Acquire(TimeSpan.FromSeconds(30)))
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(400)); // makes the waiter's request in flight time out meanwhile
            cond.Notify();
        }
    }
}
