using System.Runtime.Versioning;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// SharedCondition: wait and notify across processes, over a recursive or a plain lock. Waiters may wake without
/// a notification, so the tests wait for predicates (WaitFor) and count what the predicates let through.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SharedConditionTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task NotifyAll_WakesEveryWaiter_InEveryProcess_RoundAfterRound()
    {
        using var cond = SharedCondition.Create();
        using var woken = SharedSemaphore.Create(0);
        using var next = SharedSemaphore.Create(0);
        using var children = new ChildGroup();
        for (int i = 0; i < 2; i++)
        {
            children.Add(ChildProcess.Start(WakeUpRounds.ConditionWaiters, cond, woken, next, WakeUpRounds.Rounds));
        }

        Task<int> mine = Task.Run(() => WakeUpRounds.ConditionWaiters(cond, woken, next, WakeUpRounds.Rounds));
        int waiters = (children.All.Count + 1) * WakeUpRounds.PerProcess;

        WakeUpRounds.Drive(WakeUpRounds.Rounds, waiters, () => cond.WaiterCount, () =>
        {
            using (cond.Acquire(Within.Deadline))
            {
                cond.NotifyAll();
            }
        }, woken, next, [.. children.All]);

        Assert.Equal(-1, await mine.WaitAsync(Within.Deadline));
        foreach (ChildProcess child in children.All)
        {
            Assert.Equal(-1, ((ChildProcess<int>)child).ResultOrFail());
        }
    }

    [Fact]
    public void ProducerAndConsumer_InTwoProcesses_PassEveryItemInOrder()
    {
        const int Items = 200, Capacity = 4;
        using var cond = SharedCondition.Create();
        using var queue = SharedArray.Create<int>(3 + Capacity); // [count, head, tail, ring...]
        using var children = new ChildGroup();
        ChildProcess producer = children.Add(ChildProcess.Start(static (SharedCondition c, SharedArray<int> q) =>
        {
            for (int i = 1; i <= Items; i++)
            {
                using (c.Acquire(Within.Deadline))
                {
                    if (!c.WaitFor(() => q[0] < Capacity, Within.Deadline))
                    {
                        throw new TimeoutException("the queue stayed full");
                    }

                    q[3 + q[2]] = i;
                    q[2] = (q[2] + 1) % Capacity;
                    q[0]++;
                    c.NotifyAll();
                }
            }
        }, cond, queue));
        ChildProcess<string> consumer = children.Add(ChildProcess.Start(static (SharedCondition c, SharedArray<int> q) =>
        {
            long sum = 0;
            int previous = 0;
            bool inOrder = true;
            for (int i = 0; i < Items; i++)
            {
                int item;
                using (c.Acquire(Within.Deadline))
                {
                    if (!c.WaitFor(() => q[0] > 0, Within.Deadline))
                    {
                        throw new TimeoutException("the queue stayed empty");
                    }

                    item = q[3 + q[1]];
                    q[1] = (q[1] + 1) % Capacity;
                    q[0]--;
                    c.NotifyAll();
                }

                inOrder &= item == previous + 1;
                previous = item;
                sum += item;
            }

            return $"{sum}|{inOrder}";
        }, cond, queue));

        Assert.Equal($"{Items * (Items + 1) / 2}|True", consumer.ResultOrFail());
        producer.JoinOrFail();
        Assert.Equal(0, producer.ExitCode);
        Assert.Equal(0, queue[0]);
    }

    [Fact]
    public void NotifyN_LetsThroughAsManyWaitersAsItWakes_NotifyAllTheRest()
    {
        const int Waiters = 4;
        using var cond = SharedCondition.Create();
        using var state = SharedArray.Create<int>(3); // [ready, tickets, passed]
        using var passedSignal = SharedSemaphore.Create(0);
        using var children = new ChildGroup();
        for (int i = 0; i < Waiters; i++)
        {
            children.Add(ChildProcess.Start(static (SharedCondition c, SharedArray<int> s, SharedSemaphore passed) =>
            {
                using (c.Acquire(Within.Deadline))
                {
                    s[0]++;
                    c.NotifyAll(); // tells the parent; waiters that wake from it find no ticket and wait again
                    if (!c.WaitFor(() => s[1] > 0, Within.Deadline))
                    {
                        throw new TimeoutException("no ticket came");
                    }

                    s[1]--;
                    s[2]++;
                }

                // Not through the condition: only the parent's notifications wake waiters.
                passed.Release();
            }, cond, state, passedSignal));
        }

        using (cond.Acquire(Within.Deadline))
        {
            Assert.True(cond.WaitFor(() => state[0] == Waiters, Within.Deadline), "the waiters did not all arrive");

            // Every waiter has released the lock inside its wait: each one is waiting or about to sleep.
            state[1] = 2;
            cond.Notify(2);
        }

        Assert.True(passedSignal.TryAcquire(Within.Deadline), "Notify(2) let no waiter through");
        Assert.True(passedSignal.TryAcquire(Within.Deadline), "Notify(2) let only one waiter through");
        using (cond.Acquire(Within.Deadline))
        {
            Assert.Equal(2, state[2]);
            Assert.Equal(0, state[1]);

            state[1] = Waiters - 2;
            cond.NotifyAll();
        }

        children.JoinAllSucceeded();
        Assert.Equal(Waiters, state[2]);
        Assert.Equal(0, state[1]);
    }

    [Fact]
    public void Notify1_WithOneTicket_LetsExactlyOneWaiterThrough()
    {
        const int Waiters = 3;
        using var cond = SharedCondition.Create();
        using var state = SharedArray.Create<int>(3); // [ready, tickets, passed]
        using var children = new ChildGroup();
        for (int i = 0; i < Waiters; i++)
        {
            children.Add(ChildProcess.Start(static (SharedCondition c, SharedArray<int> s) =>
            {
                using (c.Acquire(Within.Deadline))
                {
                    s[0]++;
                    c.NotifyAll();
                    if (!c.WaitFor(() => s[1] > 0, Within.Deadline))
                    {
                        throw new TimeoutException("no ticket came");
                    }

                    s[1]--;
                    s[2]++;
                }
            }, cond, state));
        }

        using (cond.Acquire(Within.Deadline))
        {
            Assert.True(cond.WaitFor(() => state[0] == Waiters, Within.Deadline));
            state[1] = 1;
            cond.Notify();
        }

        ChildProcess first = Assert.Single(WaitForExits(children.All, 1));
        Assert.Equal(0, first.ExitCode);
        using (cond.Acquire(Within.Deadline))
        {
            Assert.Equal(1, state[2]);
            state[1] = Waiters - 1;
            cond.NotifyAll();
        }

        children.JoinAllSucceeded();
        Assert.Equal(Waiters, state[2]);
    }

    [Fact]
    public void WaitAndNotify_WithoutTheLock_ThrowSynchronizationLock()
    {
        using var cond = SharedCondition.Create();
        using var lk = SharedLock.Create();
        using var overPlain = SharedCondition.Create(lk);

        foreach (SharedCondition c in new[] { cond, overPlain })
        {
            Assert.Throws<System.Threading.SynchronizationLockException>(() => c.Notify());
            Assert.Throws<System.Threading.SynchronizationLockException>(c.NotifyAll);
            Assert.Throws<System.Threading.SynchronizationLockException>(() => c.Wait(Short));
            Assert.Throws<System.Threading.SynchronizationLockException>(() => c.TryWait(Short));
            Assert.Throws<System.Threading.SynchronizationLockException>(() => c.WaitFor(() => false, Short));
            Assert.Throws<System.Threading.SynchronizationLockException>(c.Release);
        }
    }

    [Fact]
    public void Notify_WhileAnotherProcessHoldsTheLock_ThrowsSynchronizationLock()
    {
        using var cond = SharedCondition.Create();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedCondition c, SharedEvent r, SharedEvent g) =>
        {
            using (c.Acquire(Within.Deadline))
            {
                r.Set();
                g.Wait(Within.Deadline);
            }
        }, cond, ready, go);
        Handoff.WaitReady(ready, child);

        Assert.Throws<System.Threading.SynchronizationLockException>(() => cond.Notify());
        Assert.Throws<System.Threading.SynchronizationLockException>(() => cond.TryWait(Short));

        go.Set();
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task WaitFor_NeverTrue_ReturnsFalseWithTheLockHeldAgain()
    {
        using var cond = SharedCondition.Create();
        using (cond.Acquire())
        {
            Assert.False(cond.WaitFor(() => false, Short));
            Assert.True(cond.WaitFor(() => true, Short));
            Assert.False(cond.WaitFor(() => false, TimeSpan.Zero));
            cond.NotifyAll(); // still held: no SynchronizationLockException
        }

        using var lk = SharedLock.Create();
        using var overPlain = SharedCondition.Create(lk);
        _ = await overPlain.AcquireAsync(Within.Deadline);
        Assert.False(overPlain.WaitFor(() => false, Short));
        _ = overPlain.TryWait(Short); // true or false (see Wait_NotNotified_TimesOut): either way the lock is held again
        overPlain.Release(); // exactly one release frees it
        Assert.Throws<System.Threading.SynchronizationLockException>(overPlain.Release);
    }

    [Fact]
    public async Task Wait_NotNotified_TimesOut()
    {
        using var cond = SharedCondition.Create();
        using (cond.Acquire())
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.False(cond.TryWait(Short));
                Assert.Throws<TimeoutException>(() => cond.Wait(Short));
            }
        }

        using var lk = SharedLock.Create();
        using var overPlain = SharedCondition.Create(lk);
        _ = overPlain.Acquire();
        for (int i = 0; i < 5; i++)
        {
            Assert.False(await overPlain.TryWaitAsync(Short));
        }

        overPlain.Release();
    }

    [Fact]
    public void Wait_NotNotified_OverRecursiveLock_KeepsBothLevels()
    {
        using var rl = SharedRLock.Create();
        using var byRl = SharedCondition.Create(rl);
        _ = byRl.Acquire();
        _ = byRl.Acquire();

        _ = byRl.TryWait(Short);
        _ = byRl.WaitFor(() => false, Short);

        using (ChildProcess<bool> child = ChildProcess.Start(static (SharedRLock l) => l.TryAcquire() is null, rl))
        {
            Assert.True(child.ResultOrFail());
        }

        byRl.Release();
        byRl.Release();
        Assert.Throws<System.Threading.SynchronizationLockException>(byRl.Release);
    }

    [Fact]
    public void Wait_InterruptedBySignal_StillTimesOut()
    {
        // In a child: it sends itself SIGWINCH (handled, so it interrupts system calls) while a thread waits.
        using ChildProcess<bool> child = ChildProcess.Start(static () =>
        {
            using var handler = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGWINCH, c => c.Cancel = true);
            using var cond = SharedCondition.Create();
            int tid = 0;
            bool notified = false;
            var waiter = new Thread(() =>
            {
                using (cond.Acquire())
                {
                    Volatile.Write(ref tid, Signals.CurrentThreadId());
                    notified = cond.TryWait(TimeSpan.FromSeconds(1));
                }
            });
            waiter.Start();
            while (!waiter.Join(10))
            {
                if (Volatile.Read(ref tid) != 0)
                {
                    Signals.SendToThread(Volatile.Read(ref tid), Signals.SIGWINCH);
                }
            }

            return notified;
        });

        Assert.False(child.ResultOrFail(), "TryWait reported a notification that nobody sent");
    }

    [Fact]
    public void Wait_OverRecursiveLockHeldTwice_IsWokenByChildAndKeepsBothLevels()
    {
        using var cond = SharedCondition.Create();
        using var flag = SharedValue.Create(0);
        _ = cond.Acquire();
        _ = cond.Acquire();
        using ChildProcess child = ChildProcess.Start(static (SharedCondition c, SharedValue<int> f) =>
        {
            using (c.Acquire(Within.Deadline))
            {
                f.Value = 1;
                c.NotifyAll();
            }
        }, cond, flag);

        Assert.True(cond.WaitFor(() => flag.Value == 1, Within.Deadline));

        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
        cond.Release();
        cond.Release();
        Assert.Throws<System.Threading.SynchronizationLockException>(cond.Release);
    }

    [Fact]
    public void OverPlainLock_ChildWaitsParentNotifies()
    {
        using var lk = SharedLock.Create();
        using var cond = SharedCondition.Create(lk);
        using var flag = SharedValue.Create(0);
        using ChildProcess<int> child = ChildProcess.Start(static (SharedCondition c, SharedValue<int> f) =>
        {
            _ = c.Acquire(Within.Deadline);
            try
            {
                f.Value = 1; // "waiting"
                c.NotifyAll();
                return c.WaitFor(() => f.Value == 2, Within.Deadline) ? f.Value : -1;
            }
            finally
            {
                c.Release();
            }
        }, cond, flag);

        _ = cond.Acquire(Within.Deadline);
        try
        {
            Assert.True(cond.WaitFor(() => flag.Value == 1, Within.Deadline));
            flag.Value = 2;
            cond.Notify();
        }
        finally
        {
            cond.Release();
        }

        Assert.Equal(2, child.ResultOrFail());
        LockHandle? free = lk.TryAcquire();
        Assert.NotNull(free);
        free.Value.Dispose();
    }

    [Fact]
    public void OverPlainLock_HandleFromAcquire_ReleasesAfterAWait()
    {
        using var lk = SharedLock.Create();
        using var cond = SharedCondition.Create(lk);

        using (cond.Acquire())
        {
            _ = cond.TryWait(Short);
        }

        LockHandle? free = lk.TryAcquire();
        Assert.NotNull(free);
        free.Value.Dispose();
    }

    [Fact]
    public async Task TryWaitAsync_OverPlainLock_IsWokenByAnotherProcess()
    {
        using var lk = SharedLock.Create();
        using var cond = SharedCondition.Create(lk);
        using var flag = SharedValue.Create(0);
        _ = await cond.AcquireAsync(Within.Deadline);
        using ChildProcess child = ChildProcess.Start(static (SharedCondition c, SharedValue<int> f) =>
        {
            _ = c.Acquire(Within.Deadline);
            f.Value = 1;
            c.NotifyAll();
            c.Release();
        }, cond, flag);
        try
        {
            while (flag.Value == 0)
            {
                Assert.True(await cond.TryWaitAsync(Within.Deadline), "not notified");
            }
        }
        finally
        {
            cond.Release();
        }

        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void OverUsersRecursiveLock_SharesIt()
    {
        using var rl = SharedRLock.Create();
        using var cond = SharedCondition.Create(rl);

        using (rl.Acquire())
        {
            cond.Notify(); // holding the lock directly counts
        }

        using (cond.Acquire())
        {
            using ChildProcess<bool> child = ChildProcess.Start(static (SharedRLock l) =>
            {
                LockHandle? h = l.TryAcquire();
                h?.Dispose();
                return h is null;
            }, rl);
            Assert.True(child.ResultOrFail()); // the condition's lock is the user's lock
        }
    }

    [Fact]
    public void OverAnArraysGetLock_WorksAcrossProcessesAndLeavesTheArrayOpen()
    {
        using var arr = SharedArray.Create<int>(1);
        var cond = SharedCondition.Create(arr.GetLock());
        try
        {
            using (cond.Acquire())
            {
                using ChildProcess child = ChildProcess.Start(static (SharedCondition c, SharedArray<int> a) =>
                {
                    using (c.Acquire(Within.Deadline))
                    {
                        a[0] = 1;
                        c.NotifyAll();
                    }
                }, cond, arr);

                Assert.True(cond.WaitFor(() => arr[0] == 1, Within.Deadline));
                child.JoinOrFail();
                Assert.Equal(0, child.ExitCode);
            }
        }
        finally
        {
            cond.Dispose();
        }

        arr[0] = 5;
        using (arr.GetLock().Acquire(Within.Deadline))
        {
            Assert.Equal(5, arr[0]);
        }
    }

    [Fact]
    public void Dispose_LeavesTheCallersLockUsable()
    {
        // In a child: the bug crashes the process that uses the lock.
        using ChildProcess<string> child = ChildProcess.Start(static () =>
        {
            using var rl = SharedRLock.Create();
            using var lk = SharedLock.Create();
            SharedCondition.Create(rl).Dispose();
            SharedCondition.Create(lk).Dispose();
            using (rl.Acquire(Within.Deadline))
            using (lk.Acquire(Within.Deadline))
            {
                return "usable";
            }
        });

        Assert.Equal("usable", child.ResultOrFail());
    }

    /// <summary>Waits until at least <paramref name="count"/> of <paramref name="children"/> have exited; returns those that have.</summary>
    private static List<ChildProcess> WaitForExits(IReadOnlyList<ChildProcess> children, int count)
    {
        Handoff.Until(() => children.Count(c => !c.IsAlive) >= count, $"{count} children exited");
        return [.. children.Where(c => !c.IsAlive)];
    }
}
