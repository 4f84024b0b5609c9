using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.SharedObjects;

/// <summary>SharedLock: mutual exclusion across processes, release by anyone, timeouts, cancellation, async, abandonment.</summary>
public sealed class SharedLockTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    [Fact]
    public void FourProcesses_IncrementingUnderTheLock_LoseNoUpdate()
    {
        const int Processes = 4, Rounds = 2_000;
        using var lk = SharedLock.Create();
        using var counter = SharedValue.Create(0);
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < Processes; i++)
        {
            children.Add(ChildProcess.Start(static (SharedLock l, SharedValue<int> v, SharedEvent g) =>
            {
                g.Wait(Within.Deadline);
                for (int r = 0; r < Rounds; r++)
                {
                    using (l.Acquire(Within.Deadline))
                    {
                        v.Value = v.Value + 1; // a read and a write: without the lock, updates could be lost
                    }
                }
            }, lk, counter, go));
        }

        go.Set();
        children.JoinAllSucceeded();

        Assert.Equal(Processes * Rounds, counter.Value);
        Assert.NotNull(lk.TryAcquire()); // every holder released it
    }

    [Fact]
    public void Release_FromAnotherThread_FreesIt()
    {
        using var lk = SharedLock.Create();
        _ = lk.Acquire(Within.Deadline);

        Within.Returns(lk.Release, "Release from another thread");

        LockHandle? again = lk.TryAcquire();
        Assert.NotNull(again);
        again.Value.Dispose();
    }

    [Fact]
    public void Release_FromAnotherProcess_FreesIt()
    {
        using var lk = SharedLock.Create();
        _ = lk.Acquire(Within.Deadline);

        using ChildProcess child = ChildProcess.Start(static (SharedLock l) => l.Release(), lk);
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);

        LockHandle? again = lk.TryAcquire();
        Assert.NotNull(again);
        again.Value.Dispose();
    }

    [Fact]
    public void Release_WhenNotHeld_ThrowsSynchronizationLock()
    {
        using var lk = SharedLock.Create();
        Assert.Throws<System.Threading.SynchronizationLockException>(lk.Release);

        using ChildProcess child = ChildProcess.Start(static (SharedLock l) => l.Release(), lk);
        Handoff.ThrewRemotely<System.Threading.SynchronizationLockException>(child);
    }

    [Fact]
    public async Task HeldByAnotherProcess_TryAcquireIsNull_AcquireTimesOut_ThenSucceedsAfterRelease()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.HoldLockUntil, lk, ready, go);
        Handoff.WaitReady(ready, child);

        Assert.Null(lk.TryAcquire());
        Assert.Null(lk.TryAcquire(Short));
        Assert.Throws<TimeoutException>(() => lk.Acquire(Short));
        Assert.Null(await lk.TryAcquireAsync(Short));
        await Assert.ThrowsAsync<TimeoutException>(async () => await lk.AcquireAsync(Short));

        go.Set();
        using (LockHandle h = lk.Acquire(Within.Deadline))
        {
            Assert.False(h.WasAbandoned);
        }

        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void NotRecursive_SameThreadAcquiringAgain_TimesOut()
    {
        using var lk = SharedLock.Create();
        using LockHandle h = lk.Acquire();

        Assert.Null(lk.TryAcquire());
        Assert.Throws<TimeoutException>(() => lk.Acquire(Short));
    }

    [Fact]
    public async Task Acquire_Cancelled_ThrowsOperationCanceled()
    {
        using var lk = SharedLock.Create();
        using LockHandle held = lk.Acquire();

        using (var cancel = new CancellationTokenSource(Short))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => lk.Acquire(Within.Deadline, cancel.Token));
        }

        using (var cancel = new CancellationTokenSource(Short))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await lk.AcquireAsync(Within.Deadline, cancel.Token));
        }

        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            Assert.ThrowsAny<OperationCanceledException>(() => lk.Acquire(null, cancelled.Token));
            Assert.ThrowsAny<OperationCanceledException>(() => lk.TryAcquire(Within.Deadline, cancelled.Token));
        }

        // A cancelled wait took nothing: the holder releases once and the lock is free.
        held.Dispose();
        LockHandle? again = lk.TryAcquire();
        Assert.NotNull(again);
        again.Value.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_CompletesWhenAnotherProcessReleases()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.HoldLockUntil, lk, ready, go);
        Handoff.WaitReady(ready, child);

        await using var waits = new PendingWaits();
        Task<LockHandle> pending = waits.Add(lk.AcquireAsync(Within.Deadline, waits.Token).AsTask());
        Assert.False(pending.IsCompleted); // the child holds it until "go"

        go.Set();
        LockHandle h = await pending.WaitAsync(Within.Deadline);

        Assert.False(h.WasAbandoned);
        Assert.Null(lk.TryAcquire());
        await h.DisposeAsync();
        child.JoinOrFail();
        LockHandle? again = lk.TryAcquire();
        Assert.NotNull(again);
        again.Value.Dispose();
    }

    [Fact]
    public void Abandoned_HolderKilled_NextAcquireTakesOverWithWasAbandoned()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.HoldLockUntilKilled, lk, ready);
        Handoff.WaitReady(ready, child);
        Assert.Null(lk.TryAcquire(Short));

        child.Kill();
        child.JoinOrFail();

        LockHandle h = lk.Acquire(Within.Deadline);
        Assert.True(h.WasAbandoned);
        h.Dispose();

        using LockHandle next = lk.Acquire(Within.Deadline);
        Assert.False(next.WasAbandoned); // only the take-over is flagged
    }

    [Fact]
    public async Task Abandoned_WhileParentWaits_WaiterWakesWithWasAbandoned()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.HoldLockUntilKilled, lk, ready);
        Handoff.WaitReady(ready, child);

        await using var pending = new PendingWaits();
        Task<LockHandle> waiting = pending.Add(Task.Run(() => lk.Acquire(Within.Deadline, pending.Token)));
        child.Kill();

        LockHandle h = await waiting.WaitAsync(Within.Deadline);
        Assert.True(h.WasAbandoned);
        h.Dispose();
    }

    [Fact]
    public async Task Abandoned_WhileAsyncWaiterWaits_ItCompletesWithWasAbandoned()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.HoldLockUntilKilled, lk, ready);
        Handoff.WaitReady(ready, child);

        await using var pending = new PendingWaits();
        Task<LockHandle> waiting = pending.Add(lk.AcquireAsync(Within.Deadline, pending.Token).AsTask());
        child.Kill();

        LockHandle h = await waiting.WaitAsync(Within.Deadline);
        Assert.True(h.WasAbandoned);
        h.Dispose();
    }

    [Fact]
    public void Abandoned_TryAcquireWithoutWaiting_TakesOver()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.HoldLockUntilKilled, lk, ready);
        Handoff.WaitReady(ready, child);
        child.Kill();
        child.JoinOrFail();

        LockHandle? h = lk.TryAcquire();

        Assert.NotNull(h);
        Assert.True(h.Value.WasAbandoned);
        h.Value.Dispose();
    }

    [Fact]
    public void Handle_DisposedTwice_ReleasesOnce()
    {
        using var lk = SharedLock.Create();
        LockHandle first = lk.Acquire();
        LockHandle copy = first;
        first.Dispose();

        LockHandle second = lk.Acquire(Within.Deadline);
        first.Dispose();
        copy.Dispose();

        Assert.Null(lk.TryAcquire()); // still held through second
        second.Dispose();
        LockHandle? third = lk.TryAcquire();
        Assert.NotNull(third);
        third.Value.Dispose();
        default(LockHandle).Dispose(); // a default handle holds nothing
    }

    [Fact]
    public void Handle_DisposedTwiceWhileAnotherProcessHoldsIt_DoesNotReleaseTheirs()
    {
        using var lk = SharedLock.Create();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        LockHandle mine = lk.Acquire();
        mine.Dispose();
        using ChildProcess<bool> child = ChildProcess.Start(static (SharedLock l, SharedEvent r, SharedEvent g) =>
        {
            LockHandle theirs = l.Acquire(Within.Deadline);
            r.Set();
            g.Wait(Within.Deadline);

            // Release would throw if the parent's stale handle had released the child's hold.
            l.Release();
            return !theirs.WasAbandoned;
        }, lk, ready, go);
        Handoff.WaitReady(ready, child);

        mine.Dispose();
        Assert.Null(lk.TryAcquire());

        go.Set();
        Assert.True(child.ResultOrFail());
    }

    [Fact]
    public void Timeout_NegativeWhileHeld_ThrowsArgumentOutOfRange()
    {
        using var lk = SharedLock.Create();
        using LockHandle held = lk.Acquire();

        Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => lk.Acquire(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void Timeout_NegativeWhileFree_ThrowsArgumentOutOfRange()
    {
        using var lk = SharedLock.Create();

        Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void Name_OpensTheSameLockInThisProcess()
    {
        using var lk = SharedLock.Create();
        using SharedLock other = SharedLock.Open(lk.Name);

        using (lk.Acquire())
        {
            Assert.Null(other.TryAcquire());
        }

        LockHandle? h = other.TryAcquire();
        Assert.NotNull(h);
        Assert.Null(lk.TryAcquire());
        h.Value.Dispose();
    }
}
