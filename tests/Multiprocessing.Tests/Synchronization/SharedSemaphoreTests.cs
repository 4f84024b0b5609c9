using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>SharedSemaphore: one count shared by processes, bounded or not, with timeouts and async waits.</summary>
public sealed class SharedSemaphoreTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task PermitsReleasedOneByOne_ReachEverySleeper_InEveryProcess_RoundAfterRound()
    {
        using var semaphore = SharedSemaphore.Create(0);
        using var woken = SharedSemaphore.Create(0);
        using var next = SharedSemaphore.Create(0);
        using var children = new ChildGroup();
        for (int i = 0; i < 2; i++)
        {
            children.Add(ChildProcess.Start(WakeUpRounds.SemaphoreAcquirers, semaphore, woken, next, WakeUpRounds.Rounds));
        }

        Task<int> mine = Task.Run(() => WakeUpRounds.SemaphoreAcquirers(semaphore, woken, next, WakeUpRounds.Rounds));
        int waiters = (children.All.Count + 1) * WakeUpRounds.PerProcess;

        WakeUpRounds.Drive(WakeUpRounds.Rounds, waiters, () => semaphore.WaiterCount, () =>
        {
            for (int i = 0; i < waiters; i++)
            {
                semaphore.Release(); // each wakes one sleeper; together they must reach them all
            }
        }, woken, next, [.. children.All]);

        Assert.Equal(-1, await mine.WaitAsync(Within.Deadline));
        foreach (ChildProcess child in children.All)
        {
            Assert.Equal(-1, ((ChildProcess<int>)child).ResultOrFail());
        }

        Assert.False(semaphore.TryAcquire()); // every permit went to a sleeper
    }

    [Fact]
    public void Count_IsSharedAcrossProcesses()
    {
        using var sem = SharedSemaphore.Create(2);
        Assert.Null(sem.MaximumCount);

        // The child takes both permits and exits without giving them back (a semaphore has no owner).
        using (ChildProcess<string> child = ChildProcess.Start(static (SharedSemaphore s) =>
            $"{s.TryAcquire()}|{s.TryAcquire()}|{s.TryAcquire()}", sem))
        {
            Assert.Equal("True|True|False", child.ResultOrFail());
        }

        Assert.False(sem.TryAcquire());

        using (ChildProcess child = ChildProcess.Start(static (SharedSemaphore s) => s.Release(3), sem))
        {
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }

        Assert.True(sem.TryAcquire());
        Assert.True(sem.TryAcquire());
        Assert.True(sem.TryAcquire());
        Assert.False(sem.TryAcquire());
    }

    [Fact]
    public void Bounded_ReleasePastMaximum_ThrowsSemaphoreFull()
    {
        using var sem = SharedSemaphore.CreateBounded(2);
        Assert.Equal(2, sem.MaximumCount);
        Assert.Throws<SemaphoreFullException>(() => sem.Release());

        Assert.True(sem.TryAcquire());
        Assert.True(sem.TryAcquire());
        Assert.Throws<SemaphoreFullException>(() => sem.Release(3));
        sem.Release(2);
        Assert.Throws<SemaphoreFullException>(() => sem.Release());

        // Still exactly two permits: the failed releases added none.
        Assert.True(sem.TryAcquire());
        Assert.True(sem.TryAcquire());
        Assert.False(sem.TryAcquire());
        sem.Release();
        sem.Release();
    }

    [Fact]
    public void Bounded_OverReleaseInAnotherProcess_ThrowsThere()
    {
        using var sem = SharedSemaphore.CreateBounded(1);
        Assert.True(sem.TryAcquire());

        using ChildProcess child = ChildProcess.Start(static (SharedSemaphore s) =>
        {
            s.Release(); // back to its maximum
            s.Release(); // one too many
        }, sem);

        Handoff.ThrewRemotely<SemaphoreFullException>(child);
        Assert.True(sem.TryAcquire());
        Assert.False(sem.TryAcquire());
    }

    [Fact]
    public void Create_WithMaximum_AllowsUpToIt()
    {
        using var sem = SharedSemaphore.Create(1, 3);
        Assert.Equal(3, sem.MaximumCount);
        sem.Release(2);
        Assert.Throws<SemaphoreFullException>(() => sem.Release());
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedSemaphore.Create(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedSemaphore.Create(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedSemaphore.CreateBounded(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sem.Release(0));
    }

    [Fact]
    public async Task Empty_TimeoutsAreFalseOrTimeoutException()
    {
        using var sem = SharedSemaphore.Create(0);

        Assert.False(sem.TryAcquire());
        Assert.False(sem.TryAcquire(Short));
        Assert.Throws<TimeoutException>(() => sem.Acquire(Short));
        Assert.False(await sem.TryAcquireAsync(Short));
        await Assert.ThrowsAsync<TimeoutException>(async () => await sem.AcquireAsync(Short));

        using var cancel = new CancellationTokenSource(Short);
        Assert.ThrowsAny<OperationCanceledException>(() => sem.Acquire(Within.Deadline, cancel.Token));

        // Nothing was taken by the failed waits.
        sem.Release();
        Assert.True(sem.TryAcquire());
        Assert.False(sem.TryAcquire());
    }

    [Fact]
    public async Task AcquireAsync_CompletesWhenAnotherProcessReleases()
    {
        using var sem = SharedSemaphore.Create(0);
        await using var waits = new PendingWaits();
        Task<LockHandle> pending = waits.Add(sem.AcquireAsync(Within.Deadline, waits.Token).AsTask());
        Task<bool> pendingTry = waits.Add(sem.TryAcquireAsync(Within.Deadline, waits.Token).AsTask());
        Assert.False(pending.IsCompleted);
        Assert.False(pendingTry.IsCompleted);

        using ChildProcess child = ChildProcess.Start(static (SharedSemaphore s) => s.Release(2), sem);

        LockHandle h = await pending.WaitAsync(Within.Deadline);
        Assert.True(await pendingTry.WaitAsync(Within.Deadline));
        child.JoinOrFail();
        Assert.False(sem.TryAcquire());
        h.Dispose();
        Assert.True(sem.TryAcquire());
    }

    [Fact]
    public void Acquire_BlocksUntilAnotherProcessReleases()
    {
        using var sem = SharedSemaphore.Create(0);
        using var ready = SharedEvent.Create();
        using ChildProcess<bool> child = ChildProcess.Start(static (SharedSemaphore s, SharedEvent r) =>
        {
            r.Set();
            using (s.Acquire(Within.Deadline))
            {
            }

            return true;
        }, sem, ready);
        Handoff.WaitReady(ready, child);
        Assert.False(child.Join(Short)); // no permit yet

        sem.Release();

        Assert.True(child.ResultOrFail());
        Assert.True(sem.TryAcquire()); // the child's handle gave the permit back
    }

    [Fact]
    public void Handle_DisposedTwice_GivesThePermitBackOnce()
    {
        using var sem = SharedSemaphore.Create(1);
        LockHandle h = sem.Acquire();
        Assert.False(sem.TryAcquire());

        h.Dispose();
        h.Dispose();

        Assert.True(sem.TryAcquire());
        Assert.False(sem.TryAcquire());
    }

    [Fact]
    public void TenProcesses_ThroughSemaphoreOfThree_NeverMoreThanThreeInside()
    {
        const int Processes = 10, Permits = 3;
        using var sem = SharedSemaphore.Create(Permits);
        using var stats = SharedArray.Create<int>(3); // [inside now, most inside at once, passes]
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < Processes; i++)
        {
            children.Add(ChildProcess.Start(static (SharedSemaphore s, SharedArray<int> a, SharedEvent g) =>
            {
                g.Wait(Within.Deadline);
                for (int round = 0; round < 3; round++)
                {
                    using (s.Acquire(Within.Deadline))
                    {
                        int inside = a.Add(0, 1);
                        int max;
                        while (inside > (max = a[1]) && a.CompareExchange(1, inside, max) != max)
                        {
                        }

                        // Holds the permit a moment so that holders overlap; nothing is ordered by it.
                        Thread.Sleep(5);
                        a.Add(2, 1);
                        a.Add(0, -1);
                    }
                }
            }, sem, stats, go));
        }

        go.Set();
        children.JoinAllSucceeded();

        Assert.Equal(0, stats[0]);
        Assert.InRange(stats[1], 1, Permits);
        Assert.Equal(Processes * 3, stats[2]);
        for (int i = 0; i < Permits; i++)
        {
            Assert.True(sem.TryAcquire());
        }

        Assert.False(sem.TryAcquire());
    }
}
