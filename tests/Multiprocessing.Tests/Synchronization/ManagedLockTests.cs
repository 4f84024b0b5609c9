using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>
/// A manager's lock (<see cref="Manager.Lock"/>): every lock's tests (<see cref="LockTestBase"/>), the waits
/// happening in the manager's process. Each test starts its own manager.
/// </summary>
public sealed class ManagedLockTests : LockTestBase
{
    /// <summary>The manager refuses a release of a free lock in its own process: the refusal arrives as a <see cref="RemoteException"/>.</summary>
    protected override bool RefusalsArriveAsThemselves => false;

    /// <summary>
    /// Two manager round trips a round: 500 rounds took 0.5 s on a quiet machine, 2-8 s in 15 runs beside two busy
    /// processes, and once more than the 30 s deadline for one child in a full CI run beside the other tests.
    /// </summary>
    protected override int IncrementRounds => 100;

    protected override ILockUnderTest CreateLock()
    {
        Manager manager = Manager.Start();
        try
        {
            return new ManagedLockUnderTest(manager, manager.Lock());
        }
        catch
        {
            manager.Dispose();
            throw;
        }
    }

    /// <summary>A proxy to a lock of its own manager; its children get the proxy as an argument and connect to the manager.</summary>
    private sealed class ManagedLockUnderTest(Manager manager, ManagedLock lk) : ILockUnderTest
    {
        public LockHandle Acquire(TimeSpan? timeout, CancellationToken cancellationToken) => lk.Acquire(timeout, cancellationToken);

        public LockHandle? TryAcquire(TimeSpan timeout, CancellationToken cancellationToken) => lk.TryAcquire(timeout, cancellationToken);

        public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout, CancellationToken cancellationToken) => lk.AcquireAsync(timeout, cancellationToken);

        public ValueTask<LockHandle?> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken) => lk.TryAcquireAsync(timeout, cancellationToken);

        public void Release() => lk.Release();

        public void DisposeLock() => lk.Dispose();

        public ChildProcess StartHolder(SharedEvent ready, SharedEvent go) =>
            ChildProcess.Start(
                static (ManagedLock l, SharedEvent r, SharedEvent g) =>
                {
                    using (l.Acquire(Within.Deadline))
                    {
                        r.Set();
                        g.Wait(Within.Deadline);
                    }
                },
                lk,
                ready,
                go);

        public ChildProcess StartHolderUntilKilled(SharedEvent ready) =>
            ChildProcess.Start(
                static (ManagedLock l, SharedEvent r) =>
                {
                    _ = l.Acquire(Within.Deadline);
                    r.Set();
                    Thread.Sleep(Timeout.Infinite);
                },
                lk,
                ready);

        public ChildProcess StartReleaser() => ChildProcess.Start(static (ManagedLock l) => l.Release(), lk);

        public ChildProcess StartIncrementer(SharedValue<int> counter, SharedEvent go, int rounds) =>
            ChildProcess.Start(
                static (ManagedLock l, SharedValue<int> v, SharedEvent g, int n) =>
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

        public void Dispose()
        {
            lk.Dispose();
            manager.Dispose();
        }
    }
}
