using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed semaphore: permits counted in the manager.</summary>
public sealed class SemaphoreTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Permits_AreCounted_AndABoundedSemaphoreRefusesAnExtraRelease()
    {
        using Manager manager = Manager.Start();
        using ManagedSemaphore se = manager.Semaphore(2, maximumCount: 2);

        Assert.True(se.TryAcquire());
        using (se.Acquire(Within.Deadline))
        {
            Assert.False(se.TryAcquire(Short));
            Assert.Throws<TimeoutException>(() => se.Acquire(Short));
        }

        Assert.True(se.TryAcquire());
        se.Release(2);
        Assert.Throws<SemaphoreFullException>(() => se.Release());
        Assert.Throws<ArgumentOutOfRangeException>(() => manager.Semaphore(3, maximumCount: 2));
    }

    [Fact]
    public void ChildWaitsForAPermit_TheParentsReleaseLetsItIn()
    {
        using Manager manager = Manager.Start();
        using ManagedSemaphore se = manager.Semaphore(0);

        using ChildProcess<bool> child = ChildProcess.Start(static (ManagedSemaphore s) => s.TryAcquire(TimeSpan.FromSeconds(30)), se);
        se.Release();

        Assert.True(child.ResultOrFail());
        Assert.False(se.TryAcquire());
    }
}
