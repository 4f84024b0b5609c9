using System.Diagnostics;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>The learnt spin of the ring's waits: a found condition ends it, a stream's consumer spins for the most.</summary>
public sealed class SpinBudgetTests
{
    [Fact]
    public void Spin_ReturnsTrueAtOnce_WhenTheConditionHolds()
    {
        var budget = default(SpinBudget);
        var ready = new Counting(readyAfter: 1);

        Assert.True(budget.Spin(ref ready));
        Assert.Equal(1, ready.Calls);
    }

    [Fact]
    public void StreamingSpin_SpinsForTheMost_EvenAfterMissesHalvedTheBudget()
    {
        if (Environment.ProcessorCount == 1)
        {
            return; // With one CPU nothing spins (SpinBudget.NoSpin).
        }

        var budget = default(SpinBudget);
        var never = new Counting(readyAfter: int.MaxValue);

        // Misses halve the budget down to its least (20 µs → 1 µs in 5 halvings; more do no harm). The first spin
        // also clears a wake-up noted by this thread earlier, which would skip a spin.
        for (int i = 0; i < 8; i++)
        {
            Assert.False(budget.Spin(ref never));
        }

        long start = Stopwatch.GetTimestamp();
        Assert.False(budget.Spin(ref never, streaming: true));
        long spun = Stopwatch.GetTimestamp() - start;

        // A lower bound only (a preempted spin lasts longer): the spin gives up only once its budget has passed.
        Assert.True(spun >= SpinBudget.MaxTicks, $"spun {spun} ticks, the most is {SpinBudget.MaxTicks}");
    }

    private struct Counting(int readyAfter) : SpinBudget.IReady
    {
        public int Calls { get; private set; }

        public bool IsReady() => ++Calls >= readyAfter;
    }
}
