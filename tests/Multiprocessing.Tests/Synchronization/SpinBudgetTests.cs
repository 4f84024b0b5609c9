using System.Diagnostics;
using Multiprocessing.Messaging;
using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

public sealed class SpinBudgetTests
{
    [Fact]
    public async Task AThreadThatJustWokeASleepingGetter_StillSpinsOnItsNextWait()
    {
        // A ping-pong's answer wakes the other side; a thread that then skipped its next spin slept at once, so once
        // one side slept every round trip was two wake-ups (W6: 28-59 µs on a quiet machine instead of 3-4 µs).
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        Task<int> getter = Task.Run(() => queue.Get());
        Assert.True(SpinWait.SpinUntil(() => queue.SleepingGetters == 1 || getter.IsCompleted, Within.Deadline), "The get did not sleep.");

        var budget = default(SpinBudget);
        WarmUp(ref budget);
        queue.Put(1); // This thread wakes the sleeping getter.
        var ready = new ReadyAtSecondLook();
        bool found = budget.Spin(ref ready);

        AssertSpun(found, ready);
        Assert.Equal(1, await getter.WaitAsync(Within.Deadline));
    }

    [Fact]
    public void ASpin_EndsWhenItsConditionHolds_AndGivesUpWhenItNeverDoes()
    {
        var budget = default(SpinBudget);
        WarmUp(ref budget);
        var soon = new ReadyAtSecondLook();
        AssertSpun(budget.Spin(ref soon), soon);

        var never = new Never();
        Assert.False(budget.Spin(ref never));
    }

    /// <summary>
    /// Runs a spin once, whatever it finds, so that the one measured next is compiled already: a first call compiles
    /// the loop's callees between its first look and its first reading of the clock, longer than any budget.
    /// </summary>
    private static void WarmUp(ref SpinBudget budget)
    {
        var warm = new ReadyAtSecondLook();
        budget.Spin(ref warm);
    }

    /// <summary>With one CPU a waiter looks once and never spins (no peer runs meanwhile).</summary>
    private static bool MaySpin => Environment.ProcessorCount > 1;

    /// <summary>
    /// A spin for a condition that holds at its second look finds it, unless its budget ran out after the first look
    /// (this thread was preempted there, on a busy machine): giving up sooner is the defect. With one CPU it looks once.
    /// </summary>
    private static void AssertSpun(bool found, ReadyAtSecondLook ready)
    {
        long sinceFirstLook = Stopwatch.GetTimestamp() - ready.FirstLookAt;
        if (!MaySpin)
        {
            Assert.False(found);
            Assert.Equal(1, ready.Looks);
        }
        else if (found)
        {
            Assert.Equal(2, ready.Looks);
        }
        else
        {
            Assert.True(
                sinceFirstLook > SpinBudget.MinTicks,
                $"The spin looked {ready.Looks} time(s) and gave up {sinceFirstLook * 1e6 / Stopwatch.Frequency:F2} µs after its first look, within its shortest budget.");
        }
    }

    private struct ReadyAtSecondLook : SpinBudget.IReady
    {
        public int Looks;
        public long FirstLookAt;

        public bool IsReady()
        {
            if (++Looks == 1)
            {
                FirstLookAt = Stopwatch.GetTimestamp();
            }

            return Looks >= 2;
        }
    }

    private readonly struct Never : SpinBudget.IReady
    {
        public bool IsReady() => false;
    }
}
