using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// What every cross-process lock does, run against each lock by a derived class that says how to create one (as
/// ChannelTestBase in dotnet/runtime's Channels tests): a <see cref="SharedLock"/> (a word in shared memory) and a
/// manager's <see cref="ManagedLock"/> (a lock in the manager's process, reached through a proxy). Where they differ
/// on purpose, a virtual property says how and the test checks each side.
/// </summary>
public abstract class LockTestBase
{
    /// <summary>Long enough for a wait that must time out; the test does not depend on its length.</summary>
    protected static readonly TimeSpan BriefWait = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// True if releasing a free lock throws <see cref="SynchronizationLockException"/> here; false if it arrives as a
    /// <see cref="RemoteException"/> naming it (a managed lock: the manager refuses, in its own process).
    /// </summary>
    protected virtual bool RefusalsArriveAsThemselves => true;

    /// <summary>
    /// Acquire-increment-release rounds per process in the four-process test. A lock in shared memory hands over in
    /// microseconds; the manager's lock costs two round trips to the manager per round, each several context switches
    /// on a busy 2-core machine, so its rounds are fewer: enough to interleave the processes, not so many that the
    /// test measures the machine's load.
    /// </summary>
    protected virtual int IncrementRounds => 500;

    /// <summary>A new, free lock.</summary>
    protected abstract ILockUnderTest CreateLock();

    /// <summary>The calls both locks have, and the children that use one (started with the lock as its own type).</summary>
    protected interface ILockUnderTest : IDisposable
    {
        LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

        LockHandle? TryAcquire(TimeSpan timeout = default, CancellationToken cancellationToken = default);

        ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

        ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default);

        void Release();

        /// <summary>Disposes the lock object itself (a proxy, a mapping), not whatever it belongs to.</summary>
        void DisposeLock();

        /// <summary>A child that acquires the lock, sets <paramref name="ready"/>, holds it until <paramref name="go"/>, then releases it.</summary>
        ChildProcess StartHolder(SharedEvent ready, SharedEvent go);

        /// <summary>A child that acquires the lock, sets <paramref name="ready"/>, and holds it until killed.</summary>
        ChildProcess StartHolderUntilKilled(SharedEvent ready);

        /// <summary>A child that releases the lock once.</summary>
        ChildProcess StartReleaser();

        /// <summary>A child that, once <paramref name="go"/> is set, adds one to <paramref name="counter"/> <paramref name="rounds"/> times, each under the lock.</summary>
        ChildProcess StartIncrementer(SharedValue<int> counter, SharedEvent go, int rounds);
    }

    [Fact]
    public void FourProcesses_IncrementingUnderTheLock_LoseNoUpdate()
    {
        const int Processes = 4;
        int rounds = IncrementRounds;
        using ILockUnderTest lk = CreateLock();
        using var counter = SharedValue.Create(0);
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < Processes; i++)
        {
            children.Add(lk.StartIncrementer(counter, go, rounds));
        }

        go.Set();
        children.JoinAllSucceeded();

        Assert.Equal(Processes * rounds, counter.Value);
        LockHandle? free = lk.TryAcquire(); // every holder released it
        Assert.NotNull(free);
        free.Value.Dispose();
    }

    [Fact]
    public async Task HeldByAnotherProcess_TryAcquireIsNull_AcquireTimesOut_ThenSucceedsAfterRelease()
    {
        using ILockUnderTest lk = CreateLock();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = lk.StartHolder(ready, go);
        Handoff.WaitReady(ready, child);

        Assert.Null(lk.TryAcquire());
        Assert.Null(lk.TryAcquire(BriefWait));
        Assert.Throws<TimeoutException>(() => lk.Acquire(BriefWait));
        Assert.Null(await lk.TryAcquireAsync(BriefWait));
        await Assert.ThrowsAsync<TimeoutException>(async () => await lk.AcquireAsync(BriefWait));

        go.Set();
        using (LockHandle h = lk.Acquire(Within.Deadline))
        {
            Assert.False(h.WasAbandoned);
        }

        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task AcquireAsync_CompletesWhenAnotherProcessReleases()
    {
        using ILockUnderTest lk = CreateLock();
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess child = lk.StartHolder(ready, go);
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
    public void NotReentrant_AcquiringAgainWhileHeld_TimesOut()
    {
        using ILockUnderTest lk = CreateLock();
        using LockHandle h = lk.Acquire(Within.Deadline);

        Assert.Null(lk.TryAcquire());
        Assert.Throws<TimeoutException>(() => lk.Acquire(BriefWait));
    }

    [Fact]
    public void Release_FromAnotherThread_FreesIt()
    {
        using ILockUnderTest lk = CreateLock();
        _ = lk.Acquire(Within.Deadline);

        Within.Returns(lk.Release, "Release from another thread");

        LockHandle? again = lk.TryAcquire();
        Assert.NotNull(again);
        again.Value.Dispose();
    }

    [Fact]
    public void Release_FromAnotherProcess_FreesIt()
    {
        using ILockUnderTest lk = CreateLock();
        _ = lk.Acquire(Within.Deadline);

        using ChildProcess child = lk.StartReleaser();
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);

        LockHandle? again = lk.TryAcquire();
        Assert.NotNull(again);
        again.Value.Dispose();
    }

    [Fact]
    public void Release_WhenNotHeld_IsRefused_HereAndInAChild()
    {
        using ILockUnderTest lk = CreateLock();

        Exception? e = Record.Exception(lk.Release);
        if (RefusalsArriveAsThemselves)
        {
            Assert.IsType<SynchronizationLockException>(e);
        }
        else
        {
            Assert.Equal(typeof(SynchronizationLockException).FullName, Assert.IsType<RemoteException>(e).RemoteType);
        }

        // In a child, the refusal is the child's exception, which reaches this process as a RemoteException (one
        // naming the manager's RemoteException, for a managed lock).
        using ChildProcess child = lk.StartReleaser();
        if (RefusalsArriveAsThemselves)
        {
            Handoff.ThrewRemotely<SynchronizationLockException>(child);
        }
        else
        {
            RemoteException inChild = Handoff.ThrewRemotely<RemoteException>(child);
            Assert.Contains(typeof(SynchronizationLockException).FullName!, inChild.RemoteMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Acquire_Cancelled_ThrowsOperationCanceled_AndTakesNothing()
    {
        using ILockUnderTest lk = CreateLock();
        using LockHandle held = lk.Acquire(Within.Deadline);

        using (var cancel = new CancellationTokenSource(BriefWait))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => lk.Acquire(Within.Deadline, cancel.Token));
        }

        using (var cancel = new CancellationTokenSource(BriefWait))
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
    public void Abandoned_HolderKilled_NextAcquireTakesOverWithWasAbandoned()
    {
        using ILockUnderTest lk = CreateLock();
        using var ready = SharedEvent.Create();
        using ChildProcess child = lk.StartHolderUntilKilled(ready);
        Handoff.WaitReady(ready, child);
        Assert.Null(lk.TryAcquire(BriefWait));

        child.Kill();
        child.JoinOrFail();

        LockHandle h = lk.Acquire(Within.Deadline);
        Assert.True(h.WasAbandoned);
        h.Dispose();

        using LockHandle next = lk.Acquire(Within.Deadline);
        Assert.False(next.WasAbandoned); // only the take-over is flagged
    }

    [Fact]
    public async Task Abandoned_WhileAsyncWaiterWaits_ItCompletesWithWasAbandoned()
    {
        using ILockUnderTest lk = CreateLock();
        using var ready = SharedEvent.Create();
        using ChildProcess child = lk.StartHolderUntilKilled(ready);
        Handoff.WaitReady(ready, child);

        await using var pending = new PendingWaits();
        Task<LockHandle> waiting = pending.Add(lk.AcquireAsync(Within.Deadline, pending.Token).AsTask());
        child.Kill();

        LockHandle h = await waiting.WaitAsync(Within.Deadline);
        Assert.True(h.WasAbandoned);
        h.Dispose();
    }

    [Fact]
    public void Handle_DisposedTwice_ReleasesOnce()
    {
        using ILockUnderTest lk = CreateLock();
        LockHandle first = lk.Acquire(Within.Deadline);
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
    public void Timeout_Negative_ThrowsArgumentOutOfRange()
    {
        using ILockUnderTest lk = CreateLock();
        Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(TimeSpan.FromSeconds(-2)));

        using LockHandle held = lk.Acquire(Within.Deadline);
        Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => lk.Acquire(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public async Task AfterDispose_EveryCall_ThrowsObjectDisposed()
    {
        using ILockUnderTest lk = CreateLock();
        lk.DisposeLock();

        Assert.Throws<ObjectDisposedException>(() => lk.Acquire());
        Assert.Throws<ObjectDisposedException>(() => lk.TryAcquire());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await lk.AcquireAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await lk.TryAcquireAsync(BriefWait));
        Assert.Throws<ObjectDisposedException>(lk.Release);
    }
}
