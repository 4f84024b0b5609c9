using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Sharing;

/// <summary>
/// Python's <c>Value(t, v, lock=False)</c> / <c>lock=someLock</c> and <c>Array(..., lock=...)</c>: a shared value or
/// array without a lock, or guarded by a lock the caller gives, which crosses to a child with it.
/// </summary>
public sealed class SharedValueLockTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void AGivenSharedLock_HeldByAChild_BlocksTheParentsGuardedUpdate()
    {
        using var lk = SharedLock.Create();
        using SharedValue<int> v = SharedValue.Create(0, lk);
        using var held = SharedEvent.Create();
        using var release = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedValue<int> value, SharedEvent held, SharedEvent release) =>
        {
            using (value.Acquire(Within.Deadline)) // the lock came along with the value
            {
                value.Value = 1;
                held.Set();
                release.Wait(Within.Deadline);
                value.Value = 2;
            }
        }, v, held, release);

        held.Wait(Within.Deadline);
        Assert.True(lk.IsLocked); // the parent's own lock object: the same lock
        Assert.Throws<TimeoutException>(() => v.Acquire(Short));
        Assert.Null(lk.TryAcquire(Short));

        release.Set();
        using (v.Acquire(Within.Deadline))
        {
            Assert.Equal(2, v.Value);
            v.Value = 3;
        }

        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(3, v.Value);
        InvalidOperationException notRecursive = Assert.Throws<InvalidOperationException>(() => v.GetLock());
        Assert.Contains(lk.Name, notRecursive.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGivenSharedRLock_IsGetLockInTheParentAndInAChild()
    {
        using var rl = SharedRLock.Create();
        using SharedArray<int> a = SharedArray.Create<int>([1, 2, 3], rl);
        Assert.Equal(3, a.Length);
        Assert.Equal([1, 2, 3], a.AsSpan().ToArray());
        Assert.Equal(rl.Name, a.GetLock().Name);
        using (rl.Acquire(Within.Deadline))
        {
            Assert.Equal(1, a.GetLock().RecursionCount); // the same lock, held by this thread
            using ChildProcess<string> child = ChildProcess.Start(static (SharedArray<int> arr) =>
            {
                SharedRLock lockOfTheArray = arr.GetLock();
                return $"{lockOfTheArray.Name} {lockOfTheArray.TryAcquire(Short) is null} {arr.Length}";
            }, a);
            Assert.Equal($"{rl.Name} True 3", child.ResultOrFail());
        }
    }

    [Fact]
    public void ALockFreeValue_WorksInChildren_AndHasNoLock()
    {
        using SharedValue<long> v = SharedValue.Create(0L, SharedLockMode.None);
        using var children = new ChildGroup();
        for (int c = 0; c < 2; c++)
        {
            children.Add(ChildProcess.Start(static (SharedValue<long> value) =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    value.Add(1);
                }

                try
                {
                    value.GetLock();
                    return "a lock";
                }
                catch (InvalidOperationException e)
                {
                    return e.Message;
                }
            }, v));
        }

        foreach (ChildProcess child in children.All)
        {
            Assert.Contains("without a lock", ((ChildProcess<string>)child).ResultOrFail(), StringComparison.Ordinal);
        }

        Assert.Equal(2000L, v.Value);
        Assert.Contains("without a lock", Assert.Throws<InvalidOperationException>(() => v.GetLock()).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => v.Acquire());
        using SharedArray<int> raw = SharedArray.Create<int>(5, SharedLockMode.None);
        Assert.Equal(5, raw.Length);
        Assert.Throws<InvalidOperationException>(() => raw.GetLock());
    }

    [Fact]
    public void TheArrayKeepsAGivenLockOpen_AfterTheCallerClosedIt()
    {
        var lk = SharedLock.Create();
        using SharedArray<byte> a = SharedArray.Create<byte>(7, lk);
        lk.Dispose(); // the array still holds the lock open, as Python's array holds a reference to it

        using ChildProcess<bool> child = ChildProcess.Start(static (SharedArray<byte> arr) =>
        {
            using (arr.Acquire(Within.Deadline))
            {
                return arr.Length == 7;
            }
        }, a);
        Assert.True(child.ResultOrFail());
        using (SharedArray<byte> reopened = SharedArray.Open<byte>(a.Name))
        using (reopened.Acquire(Within.Deadline))
        {
            Assert.Throws<TimeoutException>(() => a.Acquire(Short));
        }
    }

    [Fact]
    public async Task RecursiveMode_IsTheDefault_AndAcquireTakesItsOwnLock()
    {
        using SharedValue<int> v = SharedValue.Create(5, SharedLockMode.Recursive);
        using (await v.AcquireAsync(Within.Deadline))
        {
            Assert.True(v.GetLock().IsHeldByCurrentThread);
            Assert.EndsWith("#lock", v.GetLock().Name, StringComparison.Ordinal);
        }

        Assert.False(v.GetLock().IsLocked);
    }

    [Fact]
    public void BadInput_AndUseAfterDispose_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => SharedValue.Create(0, (SharedLock)null!));
        Assert.Throws<ArgumentNullException>(() => SharedArray.Create<int>(1, (SharedRLock)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedArray.Create<int>(1, (SharedLockMode)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedArray.Create<int>(-1, SharedLockMode.None));

        using var lk = SharedLock.Create();
        SharedValue<int> v = SharedValue.Create(0, lk);
        v.Dispose();
        Assert.Throws<ObjectDisposedException>(() => v.Acquire());
        Assert.Throws<ObjectDisposedException>(() => v.GetLock());
        Assert.False(lk.IsLocked); // and the caller's lock still works
        using (lk.Acquire(Within.Deadline))
        {
            Assert.True(lk.IsLocked);
        }
    }
}
