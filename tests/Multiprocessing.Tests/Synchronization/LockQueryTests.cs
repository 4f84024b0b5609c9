using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// The queries Python users look for: <c>locked()</c> on both locks (<see cref="SharedLock.IsLocked"/>,
/// <see cref="SharedRLock.IsLocked"/>), the re-entrant lock's owner and depth (<c>_is_owned()</c>,
/// <c>_recursion_count()</c>) and a semaphore's <c>get_value()</c> (<see cref="SharedSemaphore.CurrentCount"/>), seen
/// across processes.
/// </summary>
public sealed class LockQueryTests
{
    [Fact]
    public void SharedLock_IsLocked_WhileAnotherProcessHoldsIt_AndNotAfterItReleases()
    {
        using var lk = SharedLock.Create();
        using var held = SharedEvent.Create();
        using var release = SharedEvent.Create();
        Assert.False(lk.IsLocked);

        using ChildProcess child = ChildProcess.Start(static (SharedLock l, SharedEvent h, SharedEvent r) =>
        {
            using (l.Acquire(Within.Deadline))
            {
                h.Set();
                r.Wait(Within.Deadline);
            }
        }, lk, held, release);

        held.Wait(Within.Deadline); // throws TimeoutException if the child never took the lock
        Assert.True(lk.IsLocked);
        release.Set();
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
        Assert.False(lk.IsLocked);
    }

    [Fact]
    public void SharedLock_IsLocked_SeenInAChild_WhileTheParentHoldsIt()
    {
        using var lk = SharedLock.Create();
        using (lk.Acquire(Within.Deadline))
        {
            using ChildProcess<bool> child = ChildProcess.Start(static (SharedLock l) => l.IsLocked, lk);
            Assert.True(child.ResultOrFail());
        }

        using ChildProcess<bool> after = ChildProcess.Start(static (SharedLock l) => l.IsLocked, lk);
        Assert.False(after.ResultOrFail());
    }

    [Fact]
    public void SharedRLock_OwnerAndDepth_AreTheCallingThreads()
    {
        using var lk = SharedRLock.Create();
        Assert.False(lk.IsLocked);
        Assert.False(lk.IsHeldByCurrentThread);
        Assert.Equal(0, lk.RecursionCount);

        using LockHandle first = lk.Acquire(Within.Deadline);
        using LockHandle second = lk.Acquire(Within.Deadline);
        Assert.True(lk.IsLocked);
        Assert.True(lk.IsHeldByCurrentThread);
        Assert.Equal(2, lk.RecursionCount);

        (bool Locked, bool Mine, int Depth) elsewhere = default;
        var thread = new Thread(() => elsewhere = (lk.IsLocked, lk.IsHeldByCurrentThread, lk.RecursionCount));
        thread.Start();
        Assert.True(thread.Join(Within.Deadline));
        Assert.Equal((true, false, 0), elsewhere);

        using ChildProcess<(bool, bool, int)> child = ChildProcess.Start(
            static (SharedRLock l) => (l.IsLocked, l.IsHeldByCurrentThread, l.RecursionCount), lk);
        Assert.Equal((true, false, 0), child.ResultOrFail());

        lk.Release();
        Assert.Equal(1, lk.RecursionCount);
        lk.Release();
        Assert.Equal(0, lk.RecursionCount);
        Assert.False(lk.IsHeldByCurrentThread);
        Assert.False(lk.IsLocked);
    }

    [Fact]
    public void SharedSemaphore_CurrentCount_CountsPermitsTakenInAnotherProcess()
    {
        using var semaphore = SharedSemaphore.Create(initialCount: 3);
        Assert.Equal(3, semaphore.CurrentCount);

        // The child takes two permits and exits without giving them back: they stay taken, as in Python.
        using ChildProcess<int> child = ChildProcess.Start(static (SharedSemaphore s) =>
        {
            _ = s.Acquire(Within.Deadline);
            _ = s.Acquire(Within.Deadline);
            return s.CurrentCount;
        }, semaphore);
        Assert.Equal(1, child.ResultOrFail());
        Assert.Equal(1, semaphore.CurrentCount);

        semaphore.Release(2);
        Assert.Equal(3, semaphore.CurrentCount);
    }

    [Fact]
    public void Queries_AfterDispose_ThrowObjectDisposed()
    {
        var lk = SharedLock.Create();
        var rlock = SharedRLock.Create();
        var semaphore = SharedSemaphore.Create();
        lk.Dispose();
        rlock.Dispose();
        semaphore.Dispose();

        Assert.Throws<ObjectDisposedException>(() => lk.IsLocked);
        Assert.Throws<ObjectDisposedException>(() => rlock.IsLocked);
        Assert.Throws<ObjectDisposedException>(() => rlock.IsHeldByCurrentThread);
        Assert.Throws<ObjectDisposedException>(() => rlock.RecursionCount);
        Assert.Throws<ObjectDisposedException>(() => semaphore.CurrentCount);
    }
}
