using System.Diagnostics;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed barrier: parties in several processes meet in the manager; a timeout, an abort, a reset or a dead waiter breaks it.</summary>
public sealed class BarrierTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void ThreeChildren_Meet_AndGetTheIndices0To2()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(3);
        Assert.Equal(3, barrier.Parties);

        var parties = new List<ChildProcess<int>>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                parties.Add(ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier));
            }

            Assert.Equal([0, 1, 2], parties.Select(p => p.ResultOrFail()).Order());
            Assert.Equal(0, barrier.WaitingCount);
            Assert.False(barrier.IsBroken);
        }
        finally
        {
            parties.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public void TwoChildrenWait_UntilTheParentArrivesLast()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(3);
        using ChildProcess<int> a = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        using ChildProcess<int> b = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);

        WaitUntilWaiting(barrier, 2, a, b);
        Assert.True(a.IsAlive);
        Assert.True(b.IsAlive);

        Assert.Equal(2, barrier.Wait(Within.Deadline));
        Assert.Equal([0, 1], new[] { a.ResultOrFail(), b.ResultOrFail() }.Order());

        // The barrier is ready for the next round.
        using ChildProcess<int> c = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        using ChildProcess<int> d = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        WaitUntilWaiting(barrier, 2, c, d);
        Assert.Equal(2, barrier.Wait(Within.Deadline));
        c.JoinOrFail();
        d.JoinOrFail();
    }

    [Fact]
    public void ATimeout_BreaksTheBarrier_ForTheWaitingChildAndLaterArrivals_UntilReset()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(3);
        using ChildProcess<bool> waiter = ChildProcess.Start(WaitAndSayIfBroken, barrier);
        WaitUntilWaiting(barrier, 1, waiter);

        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Short));
        Assert.True(waiter.ResultOrFail(), "the waiting child was not told the barrier broke");
        Assert.True(barrier.IsBroken);
        Assert.Equal(0, barrier.WaitingCount);
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Within.Deadline)); // at once: broken

        barrier.Reset();
        Assert.False(barrier.IsBroken);
        Assert.Equal(0, barrier.WaitingCount);
    }

    [Fact]
    public void APartyKilledWhileWaiting_BreaksTheBarrierForTheOthers()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(3);
        using ChildProcess doomed = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(), barrier);
        using ChildProcess<bool> survivor = ChildProcess.Start(WaitAndSayIfBroken, barrier);
        WaitUntilWaiting(barrier, 2, doomed, survivor);

        doomed.Kill();
        doomed.JoinOrFail();

        Assert.True(survivor.ResultOrFail(), "the surviving party was not told the barrier broke");
        Assert.True(barrier.IsBroken);
    }

    [Fact]
    public void ResetAndAbort_WhileAChildWaits_BreakItsWait_AndResetMendsTheBarrier()
    {
        using Manager manager = Manager.Start();
        using ManagedBarrier barrier = manager.Barrier(2);

        using ChildProcess<bool> first = ChildProcess.Start(WaitAndSayIfBroken, barrier);
        WaitUntilWaiting(barrier, 1, first);
        barrier.Reset();
        Assert.True(first.ResultOrFail());
        Assert.False(barrier.IsBroken);

        using ChildProcess<bool> second = ChildProcess.Start(WaitAndSayIfBroken, barrier);
        WaitUntilWaiting(barrier, 1, second);
        barrier.Abort();
        Assert.True(second.ResultOrFail());
        Assert.True(barrier.IsBroken);

        barrier.Reset();
        using ChildProcess<int> third = ChildProcess.Start(static (ManagedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        int mine = barrier.Wait(Within.Deadline);
        Assert.Equal([0, 1], new[] { mine, third.ResultOrFail() }.Order());
    }

    /// <summary>Arrives with no timeout (a hang fails the test's join); true if the barrier broke.</summary>
    private static bool WaitAndSayIfBroken(ManagedBarrier barrier)
    {
        try
        {
            barrier.Wait();
            return false;
        }
        catch (BrokenBarrierException)
        {
            return true;
        }
    }

    /// <summary>Polls the manager until <paramref name="count"/> parties wait; each poll waits a little on a child's exit, which would be a failure.</summary>
    private static void WaitUntilWaiting(ManagedBarrier barrier, int count, params ChildProcess[] children)
    {
        var clock = Stopwatch.StartNew();
        while (barrier.WaitingCount < count)
        {
            foreach (ChildProcess child in children)
            {
                if (child.Join(TimeSpan.FromMilliseconds(2)))
                {
                    Assert.Fail($"{child} exited (exception {child.Exception}) before {count} parties waited.");
                }
            }

            Assert.True(clock.Elapsed < Within.Deadline, $"{count} parties did not wait within {Within.Deadline.TotalSeconds} s.");
        }
    }
}
