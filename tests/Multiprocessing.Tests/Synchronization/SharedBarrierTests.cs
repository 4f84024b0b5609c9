using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>SharedBarrier: parties in several processes meet; the action runs once per round; it breaks for everyone.</summary>
public sealed class SharedBarrierTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task NextRoundBreaksAtOnce_ThePartiesOfTheRoundThatPassedAreStillReleased()
    {
        // The last party passes the round and at once begins the next one, which breaks (its wait times out):
        // the parties of the round that passed must return normally, as Python's do, even if they wake only after
        // the break. They used to take the barrier's last break for their own round's.
        int rounds = WakeUpRounds.Rounds / 2;
        int waiters = 2 * WakeUpRounds.PerProcess;
        using var barrier = SharedBarrier.Create(waiters + 1);
        using var woken = SharedSemaphore.Create(0);
        using var next = SharedSemaphore.Create(0);
        using ChildProcess<int> child = ChildProcess.Start(WakeUpRounds.BarrierParties, barrier, woken, next, rounds);
        Task<int> mine = Task.Run(() => WakeUpRounds.BarrierParties(barrier, woken, next, rounds));

        WakeUpRounds.Drive(rounds, waiters, () => barrier.WaitingCount, () =>
        {
            Assert.Equal(waiters, barrier.Wait(Within.Deadline)); // the last party: the round passes
            Assert.False(barrier.TryWait(TimeSpan.Zero, out _)); // and the next round breaks at once
            barrier.Reset(); // nobody waits in the broken round: this only makes the barrier usable again
        }, woken, next, child);

        Assert.Equal(-1, await mine.WaitAsync(Within.Deadline));
        Assert.Equal(-1, child.ResultOrFail());
        Assert.False(barrier.IsBroken);
    }

    [Fact]
    public void TryWait_WhenThePartiesDoNotAllArrive_ReturnsFalseAndBreaksTheBarrier()
    {
        using var barrier = SharedBarrier.Create(2);
        Assert.False(barrier.TryWait(Short, out _));
        Assert.True(barrier.IsBroken);
        Assert.Throws<BrokenBarrierException>(() => barrier.TryWait(Short, out _));

        barrier.Reset();
        using var single = SharedBarrier.Create(1);
        Assert.True(single.TryWait(Short, out int index));
        Assert.Equal(0, index);
    }

    [Fact]
    public void TryWait_WithAChildArriving_ReturnsTrueWithAnIndex()
    {
        using var barrier = SharedBarrier.Create(2);
        using ChildProcess<int> child = ChildProcess.Start((SharedBarrier b) => b.Wait(TimeSpan.FromSeconds(30)), barrier);
        Assert.True(barrier.TryWait(TimeSpan.FromSeconds(30), out int mine));
        int theirs = child.Result;
        Assert.NotEqual(mine, theirs);
        Assert.Equal(1, mine + theirs); // indexes 0 and 1, in either order
    }

    [Fact]
    public void ThreeParties_TwoRounds_IndexesArePermutations_ActionRunsOncePerRoundInTheLastArriversProcess()
    {
        const int Rounds = 2;

        // [rounds counted by the action, action's pid per round, party pid by round and index]
        using var stats = SharedArray.Create<int>(1 + Rounds + (Rounds * 3));
        using SharedBarrier barrier = CreateCountingBarrier(3, stats);
        Assert.Equal(3, barrier.Parties);
        using var children = new ChildGroup();
        for (int c = 0; c < 2; c++)
        {
            children.Add(ChildProcess.Start(static (SharedBarrier b, SharedArray<int> s) =>
            {
                for (int round = 0; round < Rounds; round++)
                {
                    int index = b.Wait(Within.Deadline);
                    s[1 + Rounds + (round * 3) + index] = Environment.ProcessId;
                }
            }, barrier, stats));
        }

        for (int round = 0; round < Rounds; round++)
        {
            int index = barrier.Wait(Within.Deadline);
            Assert.InRange(index, 0, 2);
            stats[1 + Rounds + (round * 3) + index] = Environment.ProcessId;
        }

        children.JoinAllSucceeded();
        int[] parties = [Environment.ProcessId, .. children.All.Select(c => c.Pid)];
        Assert.Equal(Rounds, stats[0]);
        for (int round = 0; round < Rounds; round++)
        {
            int[] byIndex = stats.AsSpan().Slice(1 + Rounds + (round * 3), 3).ToArray();
            Assert.Equal(parties.Order(), byIndex.Order()); // each party got one index: 0, 1 and 2 in some order
            Assert.Equal(byIndex[2], stats[1 + round]); // the action ran in the process of the last to arrive
        }

        Assert.Equal(0, barrier.WaitingCount);
        Assert.False(barrier.IsBroken);
    }

    [Fact]
    public async Task Action_RunsInAChildThatArrivesLast()
    {
        using var stats = SharedArray.Create<int>(2);
        using SharedBarrier barrier = CreatePidRecordingBarrier(2, stats);
        await using var pending = new PendingWaits();
        Task<int> parent = pending.Add(Task.Run(() => barrier.Wait(Within.Deadline, pending.Token)));
        Handoff.Until(() => barrier.WaitingCount == 1, "the parent waits at the barrier");

        using ChildProcess<int> child = ChildProcess.Start(static (SharedBarrier b) => b.Wait(Within.Deadline), barrier);

        Assert.Equal(1, child.ResultOrFail());
        Assert.Equal(0, await parent.WaitAsync(Within.Deadline));
        Assert.Equal(1, stats[0]);
        Assert.Equal(child.Pid, stats[1]);
    }

    [Fact]
    public async Task WaitAsync_PassesWithAChild()
    {
        using var barrier = SharedBarrier.Create(2);
        using ChildProcess<int> child = ChildProcess.Start(static (SharedBarrier b) => b.Wait(Within.Deadline), barrier);

        int index = await barrier.WaitAsync(Within.Deadline);

        Assert.Equal(1, index + child.ResultOrFail()); // 0 and 1
    }

    [Fact]
    public void Timeout_BreaksItForEveryone()
    {
        using var barrier = SharedBarrier.Create(3);
        using ChildProcess child = ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier);
        Handoff.Until(() => barrier.WaitingCount == 1, "the child waits at the barrier", child);

        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Short));

        Handoff.ThrewRemotely<BrokenBarrierException>(child);
        Assert.True(barrier.IsBroken);
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Within.Deadline)); // broken until reset
    }

    [Fact]
    public async Task Abort_BreaksWaitersAndLaterArrivals()
    {
        using var barrier = SharedBarrier.Create(3);
        using ChildProcess child = ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier);
        Handoff.Until(() => barrier.WaitingCount == 1, "the child waits at the barrier", child);

        barrier.Abort();

        Handoff.ThrewRemotely<BrokenBarrierException>(child);
        Assert.True(barrier.IsBroken);
        Assert.Equal(0, barrier.WaitingCount);
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Within.Deadline));
        await Assert.ThrowsAsync<BrokenBarrierException>(async () => await barrier.WaitAsync(Within.Deadline));
    }

    [Fact]
    public void Reset_BreaksWaiters_ThenTheBarrierWorksAgain()
    {
        using var barrier = SharedBarrier.Create(2);
        using (ChildProcess waiter = ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier))
        {
            Handoff.Until(() => barrier.WaitingCount == 1, "the child waits at the barrier", waiter);

            barrier.Reset();

            Handoff.ThrewRemotely<BrokenBarrierException>(waiter);
        }

        Assert.False(barrier.IsBroken);
        Assert.Equal(0, barrier.WaitingCount);
        using ChildProcess<int> next = ChildProcess.Start(static (SharedBarrier b) => b.Wait(Within.Deadline), barrier);
        int index = barrier.Wait(Within.Deadline);
        Assert.Equal(1, index + next.ResultOrFail());
    }

    [Fact]
    public void Reset_AfterAbort_MakesItUsableAgain()
    {
        using var barrier = SharedBarrier.Create(1);
        barrier.Abort();
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait());

        barrier.Reset();

        Assert.False(barrier.IsBroken);
        Assert.Equal(0, barrier.Wait(Within.Deadline));
    }

    [Fact]
    public async Task WaitingPartyKilled_OthersGetBrokenBarrier()
    {
        using var barrier = SharedBarrier.Create(4);
        using var children = new ChildGroup();
        ChildProcess victim = children.Add(ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier));
        Handoff.Until(() => barrier.WaitingCount == 1, "the first child waits at the barrier", victim);
        ChildProcess survivor = children.Add(ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier));
        await using var pending = new PendingWaits();
        Task<int> parent = pending.Add(Task.Run(() => barrier.Wait(Within.Deadline, pending.Token)));
        Handoff.Until(() => barrier.WaitingCount == 3, "three parties wait at the barrier", victim, survivor);

        victim.Kill();

        await Assert.ThrowsAsync<BrokenBarrierException>(() => parent.WaitAsync(Within.Deadline));
        Handoff.ThrewRemotely<BrokenBarrierException>(survivor);
        Assert.True(barrier.IsBroken);
    }

    [Fact]
    public void PartyKilledBeforeTheOthersArrive_TheyGetBrokenBarrier()
    {
        using var barrier = SharedBarrier.Create(3);
        using ChildProcess victim = ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier);
        Handoff.Until(() => barrier.WaitingCount == 1, "the child waits at the barrier", victim);
        victim.Kill();
        victim.JoinOrFail();

        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Within.Deadline));
    }

    [Fact]
    public async Task WaitingPartyKilled_AsyncWaiterGetsBrokenBarrier()
    {
        using var barrier = SharedBarrier.Create(3);
        using ChildProcess victim = ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier);
        Handoff.Until(() => barrier.WaitingCount == 1, "the child waits at the barrier", victim);
        await using var pending = new PendingWaits();
        Task<int> parent = pending.Add(barrier.WaitAsync(Within.Deadline, pending.Token).AsTask());
        Handoff.Until(() => barrier.WaitingCount == 2, "the parent waits at the barrier", victim);

        victim.Kill();

        // Within 10 s, well before the 30 s timeout that would break it anyway.
        await Assert.ThrowsAsync<BrokenBarrierException>(() => parent.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void ActionThrows_EveryPartyGetsBrokenBarrier_TheLastWithTheCause()
    {
        using var barrier = SharedBarrier.Create(2, ThrowingAction);
        using ChildProcess child = ChildProcess.Start(static (SharedBarrier b) => { b.Wait(Within.Deadline); }, barrier);
        Handoff.Until(() => barrier.WaitingCount == 1, "the child waits at the barrier", child);

        BrokenBarrierException e = Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Within.Deadline));

        Assert.IsType<InvalidOperationException>(e.InnerException);
        Handoff.ThrewRemotely<BrokenBarrierException>(child);
        Assert.True(barrier.IsBroken);
    }

    [Fact]
    public void Cancellation_BreaksIt()
    {
        using var barrier = SharedBarrier.Create(2);
        using var cancel = new CancellationTokenSource(Short);

        Assert.ThrowsAny<OperationCanceledException>(() => barrier.Wait(Within.Deadline, cancel.Token));

        Assert.True(barrier.IsBroken);
    }

    [Fact]
    public async Task OneParty_PassesAtOnceAndRunsTheActionEveryTime()
    {
        using var stats = SharedArray.Create<int>(1 + 3 + 9);
        using SharedBarrier barrier = CreateCountingBarrier(1, stats);

        Assert.Equal(0, barrier.Wait());
        Assert.Equal(0, barrier.Wait(Short));
        Assert.Equal(0, await barrier.WaitAsync());
        Assert.Equal(3, stats[0]);
    }

    [Fact]
    public void Create_PartiesOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedBarrier.Create(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedBarrier.Create(257));
    }

    /// <summary>A barrier whose action counts rounds in stats[0] and writes its process id in stats[1 + round].</summary>
    private static SharedBarrier CreateCountingBarrier(int parties, SharedArray<int> stats) =>
        SharedBarrier.Create(parties, () =>
        {
            int round = stats.Add(0, 1) - 1;
            stats[1 + round] = Environment.ProcessId;
        });

    /// <summary>A barrier whose action counts in stats[0] and writes its process id in stats[1].</summary>
    private static SharedBarrier CreatePidRecordingBarrier(int parties, SharedArray<int> stats) =>
        SharedBarrier.Create(parties, () =>
        {
            stats.Add(0, 1);
            stats[1] = Environment.ProcessId;
        });

    private static void ThrowingAction() => throw new InvalidOperationException("the barrier action failed");
}
