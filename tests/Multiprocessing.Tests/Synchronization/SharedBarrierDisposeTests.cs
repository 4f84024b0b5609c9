using System.Diagnostics;
using Multiprocessing.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>SharedBarrier: a party woken by its barrier's Dispose leaves the round for the other processes.</summary>
public sealed class SharedBarrierDisposeTests
{
    [Fact]
    public async Task APartyWokenByDispose_BreaksTheBarrier_EvenIfItMustWaitForTheInternalLock()
    {
        // The party's way out takes the barrier's internal lock to break the round. If another process holds that
        // lock at that moment, the party must wait for it: it used to give up at once (its sleep threw for the
        // close), leaving itself counted among the arrived and the barrier unbroken for the other processes.
        // Another handle of the same barrier (its own mapping) plays the other process that holds the lock.
        var barrier = SharedBarrier.Create(2);
        using SharedBarrier other = SharedBarrier.Open(barrier.Name);
        Task<int> party = Task.Run(() => barrier.Wait(Within.Deadline));
        var clock = Stopwatch.StartNew();
        while (other.WaitingCount < 1 && clock.Elapsed < Within.Deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(1, other.WaitingCount);
        unsafe
        {
            Assert.True(LockCore.TryAcquire(other.InternalLockForTests));
        }

        try
        {
            barrier.Dispose(); // wakes the party into ObjectDisposedException; on its way out it needs the lock held here
            clock.Restart();
            while (!party.IsCompleted && SleepersOnTheLock(other) == 0 && clock.Elapsed < Within.Deadline)
            {
                await Task.Delay(5);
            }

            Assert.False(party.IsCompleted, "the party left without breaking the barrier: it did not wait for the internal lock");
        }
        finally
        {
            unsafe
            {
                LockCore.Release(other.InternalLockForTests);
            }
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => party);
        Assert.True(other.IsBroken, "the round the disposed party waited in is not broken for the other processes");
        Assert.Equal(0, other.WaitingCount);
    }

    private static unsafe int SleepersOnTheLock(SharedBarrier barrier) => Volatile.Read(ref barrier.InternalLockForTests->Sleepers);
}
