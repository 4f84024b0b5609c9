using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Sharing;

/// <summary>
/// Every shared kind crosses to a child as an argument and as a captured variable, and the child works on the
/// same object (it reopens it by name: the parent keeps it open until the child has exited).
/// </summary>
public sealed class PassingToChildTests
{
    [Fact]
    public void SharedMemory_AsArgument()
    {
        using var shm = SharedMemory.Create(4);
        using ChildProcess<string> child = ChildProcess.Start(static (SharedMemory m) =>
        {
            m.Span[0] = 7;
            return m.Name;
        }, shm);

        Assert.Equal(shm.Name, child.ResultOrFail());
        Assert.Equal(7, shm.Span[0]);
    }

    [Fact]
    public void SharedMemory_Captured()
    {
        using var shm = SharedMemory.Create(4);
        using ChildProcess<string> child = ChildProcess.Start(() =>
        {
            shm.Span[1] = 8;
            return shm.Name;
        });

        Assert.Equal(shm.Name, child.ResultOrFail());
        Assert.Equal(8, shm.Span[1]);
    }

    [Fact]
    public void SharedLock_AsArgument()
    {
        using var lk = SharedLock.Create();
        _ = lk.Acquire();

        using ChildProcess child = ChildProcess.Start(static (SharedLock l) => l.Release(), lk);
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode); // it released the parent's hold: the same lock
        AssertFree(lk);
    }

    [Fact]
    public void SharedLock_Captured()
    {
        using var lk = SharedLock.Create();
        _ = lk.Acquire();

        using ChildProcess child = ChildProcess.Start(() => lk.Release());
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        AssertFree(lk);
    }

    [Fact]
    public void SharedRLock_AsArgument()
    {
        using var rl = SharedRLock.Create();
        using (rl.Acquire())
        {
            using ChildProcess<bool> child = ChildProcess.Start(static (SharedRLock l) => l.TryAcquire() is null, rl);
            Assert.True(child.ResultOrFail(), "the child could take a lock the parent holds: not the same lock");
        }
    }

    [Fact]
    public void SharedRLock_Captured()
    {
        using var rl = SharedRLock.Create();
        using (rl.Acquire())
        {
            using ChildProcess<bool> child = ChildProcess.Start(() => rl.TryAcquire() is null);
            Assert.True(child.ResultOrFail(), "the child could take a lock the parent holds: not the same lock");
        }
    }

    [Fact]
    public void SharedSemaphore_AsArgument()
    {
        using var sem = SharedSemaphore.Create(0);
        using ChildProcess child = ChildProcess.Start(static (SharedSemaphore s) => s.Release(2), sem);
        child.JoinOrFail();

        Assert.True(sem.TryAcquire());
        Assert.True(sem.TryAcquire());
        Assert.False(sem.TryAcquire());
    }

    [Fact]
    public void SharedSemaphore_Captured()
    {
        using var sem = SharedSemaphore.CreateBounded(1);
        Assert.True(sem.TryAcquire());
        using ChildProcess<int?> child = ChildProcess.Start(() =>
        {
            sem.Release();
            return sem.MaximumCount;
        });

        Assert.Equal(1, child.ResultOrFail());
        Assert.True(sem.TryAcquire());
    }

    [Fact]
    public void SharedEvent_AsArgument()
    {
        using var ev = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedEvent e) => e.Set(), ev);
        child.JoinOrFail();

        Assert.True(ev.IsSet);
    }

    [Fact]
    public void SharedEvent_Captured()
    {
        using var ev = SharedEvent.Create(initialState: true);
        using ChildProcess child = ChildProcess.Start(() => ev.Clear());
        child.JoinOrFail();

        Assert.False(ev.IsSet);
    }

    [Fact]
    public void SharedCondition_AsArgument()
    {
        using var cond = SharedCondition.Create();
        using var flag = SharedValue.Create(0);
        using (cond.Acquire())
        {
            using ChildProcess child = ChildProcess.Start(static (SharedCondition c, SharedValue<int> f) =>
            {
                using (c.Acquire(Within.Deadline))
                {
                    f.Value = 1;
                    c.NotifyAll();
                }
            }, cond, flag);

            Assert.True(cond.WaitFor(() => flag.Value == 1, Within.Deadline));
            child.JoinOrFail();
        }
    }

    [Fact]
    public void SharedCondition_OverPlainLock_Captured()
    {
        using var lk = SharedLock.Create();
        using var cond = SharedCondition.Create(lk);
        using var flag = SharedValue.Create(0);
        _ = cond.Acquire();
        try
        {
            using ChildProcess child = ChildProcess.Start(() =>
            {
                _ = cond.Acquire(Within.Deadline);
                flag.Value = 1;
                cond.NotifyAll();
                cond.Release();
            });

            Assert.True(cond.WaitFor(() => flag.Value == 1, Within.Deadline));
            child.JoinOrFail();
        }
        finally
        {
            cond.Release();
        }
    }

    [Fact]
    public void SharedBarrier_AsArgument()
    {
        using var barrier = SharedBarrier.Create(2);
        using ChildProcess<int> child = ChildProcess.Start(static (SharedBarrier b) => b.Wait(Within.Deadline), barrier);

        int index = barrier.Wait(Within.Deadline);

        Assert.Equal(1, index + child.ResultOrFail());
    }

    [Fact]
    public void SharedBarrier_Captured()
    {
        using var barrier = SharedBarrier.Create(2);
        using ChildProcess<int> child = ChildProcess.Start(() => barrier.Wait(Within.Deadline) + (10 * barrier.Parties));

        int index = barrier.Wait(Within.Deadline);

        Assert.Equal(21, index + child.ResultOrFail());
    }

    [Fact]
    public void SharedArray_AsArgument()
    {
        using var a = SharedArray.Create<long>([1, 2, 3]);
        using ChildProcess<long> child = ChildProcess.Start(static (SharedArray<long> arr) =>
        {
            arr[2] = 30;
            return arr[0] + arr[1] + arr.Length;
        }, a);

        Assert.Equal(6, child.ResultOrFail());
        Assert.Equal(30, a[2]);
    }

    [Fact]
    public void SharedArray_Captured()
    {
        using var a = SharedArray.Create<double>([0.5, 1.5]);
        using ChildProcess<double> child = ChildProcess.Start(() =>
        {
            a[0] = 2.5;
            return a[1];
        });

        Assert.Equal(1.5, child.ResultOrFail());
        Assert.Equal(2.5, a[0]);
    }

    [Fact]
    public void SharedValue_AsArgument()
    {
        using var v = SharedValue.Create(41);
        using ChildProcess<int> child = ChildProcess.Start(static (SharedValue<int> value) => value.Add(1), v);

        Assert.Equal(42, child.ResultOrFail());
        Assert.Equal(42, v.Value);
    }

    [Fact]
    public void SharedValue_Captured()
    {
        using var v = SharedValue.Create(0ul);
        using ChildProcess child = ChildProcess.Start(() => { v.Value = ulong.MaxValue; });
        child.JoinOrFail();

        Assert.Equal(ulong.MaxValue, v.Value);
    }

    [Fact]
    public void GetLock_AsArgumentAndCaptured()
    {
        using var v = SharedValue.Create(0);
        SharedRLock lk = v.GetLock();
        using (lk.Acquire())
        {
            using ChildProcess<bool> asArgument = ChildProcess.Start(static (SharedRLock l) => l.TryAcquire() is null, lk);
            using ChildProcess<bool> captured = ChildProcess.Start(() => lk.TryAcquire() is null);

            Assert.True(asArgument.ResultOrFail());
            Assert.True(captured.ResultOrFail());
        }
    }

    [Fact]
    public void SeveralKindsCapturedTogether()
    {
        using var shm = SharedMemory.Create(1);
        using var ev = SharedEvent.Create();
        using var sem = SharedSemaphore.Create(0);
        using var arr = SharedArray.Create<int>(1);
        using ChildProcess child = ChildProcess.Start(() =>
        {
            shm.Span[0] = 1;
            arr[0] = 2;
            ev.Set();
            sem.Release();
        });
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(1, shm.Span[0]);
        Assert.Equal(2, arr[0]);
        Assert.True(ev.IsSet);
        Assert.True(sem.TryAcquire());
    }

    [Fact]
    public void InsideAnArrayAndARecord()
    {
        using var first = SharedEvent.Create();
        using var second = SharedEvent.Create();
        using var count = SharedValue.Create(0);
        using ChildProcess inArray = ChildProcess.Start(static (SharedEvent[] events) =>
        {
            foreach (SharedEvent e in events)
            {
                e.Set();
            }
        }, new[] { first, second });
        using ChildProcess inRecord = ChildProcess.Start(static (SharedBundle b) => { b.Count.Add(b.Label.Length); }, new SharedBundle("five!", first, count));
        inArray.JoinOrFail();
        inRecord.JoinOrFail();

        Assert.Equal(0, inArray.ExitCode);
        Assert.True(first.IsSet);
        Assert.True(second.IsSet);
        Assert.Equal(5, count.Value);
    }

    [Fact]
    public void NullSharedObject_ArrivesAsNull()
    {
        using ChildProcess<bool> child = ChildProcess.Start(static (SharedLock? l) => l is null, (SharedLock?)null);

        Assert.True(child.ResultOrFail());
    }

    private static void AssertFree(SharedLock lk)
    {
        LockHandle? h = lk.TryAcquire();
        Assert.NotNull(h);
        h.Value.Dispose();
    }
}

/// <summary>Shared objects as members of a record that crosses as one argument.</summary>
internal sealed record SharedBundle(string Label, SharedEvent Event, SharedValue<int> Count);
