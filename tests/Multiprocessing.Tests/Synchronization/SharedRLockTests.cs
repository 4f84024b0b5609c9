using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>SharedRLock: recursive for its owning thread, released only by it, taken over when its owner process dies.</summary>
public sealed class SharedRLockTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    [Fact]
    public void Recursion_OwnerAcquiresAgain_OthersWaitUntilTheLastRelease()
    {
        using var rl = SharedRLock.Create();
        LockHandle h1 = rl.Acquire();
        LockHandle h2 = rl.Acquire(Short);
        LockHandle? h3 = rl.TryAcquire();
        Assert.NotNull(h3);

        Assert.False(OtherThreadCanTake(rl));
        Assert.False(OtherProcessCanTake(rl));

        h3.Value.Dispose();
        h2.Dispose();
        Assert.False(OtherThreadCanTake(rl)); // one acquisition left

        h1.Dispose();
        Assert.True(OtherThreadCanTake(rl));
        Assert.True(OtherProcessCanTake(rl));
    }

    [Fact]
    public void Release_AsManyTimesAsAcquired_ThenThrows()
    {
        using var rl = SharedRLock.Create();
        _ = rl.Acquire();
        _ = rl.Acquire();

        rl.Release();
        Assert.False(OtherThreadCanTake(rl));
        rl.Release();
        Assert.True(OtherThreadCanTake(rl));
        Assert.Throws<System.Threading.SynchronizationLockException>(rl.Release);
    }

    [Fact]
    public void Release_ByAnotherThread_ThrowsAndKeepsIt()
    {
        using var rl = SharedRLock.Create();
        using LockHandle h = rl.Acquire();

        Exception? thrown = null;
        var other = new Thread(() => thrown = Record.Exception(rl.Release));
        other.Start();
        Assert.True(other.Join(Within.Deadline));

        Assert.IsType<System.Threading.SynchronizationLockException>(thrown);
        Assert.False(OtherThreadCanTake(rl));
    }

    [Fact]
    public void Release_ByAnotherProcess_ThrowsThereAndKeepsIt()
    {
        using var rl = SharedRLock.Create();
        using LockHandle h = rl.Acquire();

        using ChildProcess child = ChildProcess.Start(static (SharedRLock l) => l.Release(), rl);

        Handoff.ThrewRemotely<System.Threading.SynchronizationLockException>(child);
        Assert.False(OtherProcessCanTake(rl));
    }

    [Fact]
    public void Release_WhenFree_Throws()
    {
        using var rl = SharedRLock.Create();
        Assert.Throws<System.Threading.SynchronizationLockException>(rl.Release);
    }

    [Fact]
    public void HeldByAnotherProcess_TryAcquireIsNullAndAcquireTimesOut()
    {
        using var rl = SharedRLock.Create();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedRLock l, SharedEvent r, SharedEvent g) =>
        {
            using (l.Acquire(Within.Deadline))
            using (l.Acquire(Within.Deadline))
            {
                r.Set();
                g.Wait(Within.Deadline);
            }
        }, rl, ready, go);
        Handoff.WaitReady(ready, child);

        Assert.Null(rl.TryAcquire());
        Assert.Null(rl.TryAcquire(Short));
        Assert.Throws<TimeoutException>(() => rl.Acquire(Short));

        go.Set();
        using LockHandle h = rl.Acquire(Within.Deadline);
        Assert.False(h.WasAbandoned);
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task AcquireAsync_CompletesWhenAnotherProcessReleases()
    {
        using var rl = SharedRLock.Create();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedRLock l, SharedEvent r, SharedEvent g) =>
        {
            using (l.Acquire(Within.Deadline))
            {
                r.Set();
                g.Wait(Within.Deadline);
            }
        }, rl, ready, go);
        Handoff.WaitReady(ready, child);

        await using var waits = new PendingWaits();
        Task<LockHandle> pending = waits.Add(rl.AcquireAsync(Within.Deadline, waits.Token).AsTask());
        Assert.False(pending.IsCompleted);
        go.Set();
        LockHandle h = await pending.WaitAsync(Within.Deadline);

        Assert.False(h.WasAbandoned);
        Assert.False(OtherProcessCanTake(rl)); // this process owns it now (which thread is up to the continuation)
        child.JoinOrFail();
    }

    [Fact]
    public void Abandoned_OwnerKilledWhileHoldingTwice_NextAcquirerOwnsItOnce()
    {
        using var rl = SharedRLock.Create();
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedRLock l, SharedEvent r) =>
        {
            _ = l.Acquire(Within.Deadline);
            _ = l.Acquire(Within.Deadline);
            r.Set();
            Thread.Sleep(Timeout.Infinite);
        }, rl, ready);
        Handoff.WaitReady(ready, child);
        child.Kill();

        LockHandle h = rl.Acquire(Within.Deadline);

        Assert.True(h.WasAbandoned);
        Assert.False(OtherThreadCanTake(rl));
        h.Dispose(); // the dead owner's two acquisitions are not inherited: one release frees it
        Assert.True(OtherThreadCanTake(rl));
        Assert.Throws<System.Threading.SynchronizationLockException>(rl.Release);
    }

    [Fact]
    public void Handle_DisposedTwice_ReleasesOneLevelOnce()
    {
        using var rl = SharedRLock.Create();
        LockHandle outer = rl.Acquire();
        LockHandle inner = rl.Acquire();

        inner.Dispose();
        inner.Dispose();
        Assert.False(OtherThreadCanTake(rl));

        outer.Dispose();
        outer.Dispose();
        Assert.True(OtherThreadCanTake(rl));
    }

    [Fact]
    public void ThreeProcesses_IncrementingUnderNestedAcquisitions_LoseNoUpdate()
    {
        const int Processes = 3, Rounds = 1_000;
        using var rl = SharedRLock.Create();
        using var counter = SharedValue.Create(0L);
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < Processes; i++)
        {
            children.Add(ChildProcess.Start(static (SharedRLock l, SharedValue<long> v, SharedEvent g) =>
            {
                g.Wait(Within.Deadline);
                for (int r = 0; r < Rounds; r++)
                {
                    using (l.Acquire(Within.Deadline))
                    using (l.Acquire(Within.Deadline))
                    {
                        v.Value = v.Value + 1;
                    }
                }
            }, rl, counter, go));
        }

        go.Set();
        children.JoinAllSucceeded();

        Assert.Equal(Processes * Rounds, counter.Value);
    }

    /// <summary>True if another thread of this process could acquire it now (and then released it).</summary>
    private static bool OtherThreadCanTake(SharedRLock rl)
    {
        bool took = false;
        var other = new Thread(() =>
        {
            LockHandle? h = rl.TryAcquire();
            took = h is not null;
            h?.Dispose();
        });
        other.Start();
        Assert.True(other.Join(Within.Deadline));
        return took;
    }

    /// <summary>True if a child process could acquire it now (and then released it).</summary>
    private static bool OtherProcessCanTake(SharedRLock rl)
    {
        using ChildProcess<bool> child = ChildProcess.Start(static (SharedRLock l) =>
        {
            LockHandle? h = l.TryAcquire();
            h?.Dispose();
            return h is not null;
        }, rl);
        return child.ResultOrFail();
    }
}
