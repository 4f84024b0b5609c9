using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// SharedLock: every lock's tests (<see cref="LockTestBase"/>: exclusion across processes, release by anyone,
/// timeouts, cancellation, async, abandonment, use after Dispose), and what only a lock in shared memory does.
/// </summary>
public sealed class SharedLockTests : LockTestBase
{
    protected override ILockUnderTest CreateLock() => new SharedLockUnderTest(SharedLock.Create());

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

    /// <summary>A <see cref="SharedLock"/>; its children get it as an argument and reopen it.</summary>
    private sealed class SharedLockUnderTest(SharedLock lk) : ILockUnderTest
    {
        public LockHandle Acquire(TimeSpan? timeout, CancellationToken cancellationToken) => lk.Acquire(timeout, cancellationToken);

        public LockHandle? TryAcquire(TimeSpan timeout, CancellationToken cancellationToken) => lk.TryAcquire(timeout, cancellationToken);

        public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout, CancellationToken cancellationToken) => lk.AcquireAsync(timeout, cancellationToken);

        public ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken) => lk.TryAcquireAsync(timeout, cancellationToken);

        public void Release() => lk.Release();

        public void DisposeLock() => lk.Dispose();

        public ChildProcess StartHolder(SharedEvent ready, SharedEvent go) => ChildProcess.Start(ChildBodies.HoldLockUntil, lk, ready, go);

        public ChildProcess StartHolderUntilKilled(SharedEvent ready) => ChildProcess.Start(ChildBodies.HoldLockUntilKilled, lk, ready);

        public ChildProcess StartReleaser() => ChildProcess.Start(static (SharedLock l) => l.Release(), lk);

        public ChildProcess StartIncrementer(SharedValue<int> counter, SharedEvent go, int rounds) =>
            ChildProcess.Start(
                static (SharedLock l, SharedValue<int> v, SharedEvent g, int n) =>
                {
                    g.Wait(Within.Deadline);
                    for (int r = 0; r < n; r++)
                    {
                        using (l.Acquire(Within.Deadline))
                        {
                            v.Value = v.Value + 1; // a read and a write: without the lock, updates could be lost
                        }
                    }
                },
                lk,
                counter,
                go,
                rounds);

        public void Dispose() => lk.Dispose();
    }
}
