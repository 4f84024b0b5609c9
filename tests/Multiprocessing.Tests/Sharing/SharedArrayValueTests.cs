using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Sharing;

/// <summary>SharedArray and SharedValue: elements in shared memory, their get_lock() lock, and atomic operations.</summary>
public sealed class SharedArrayValueTests
{
    [Fact]
    public void FiveChildren_EachAddHundredUnderGetLock_Make501()
    {
        using var a = SharedArray.Create<int>([1, 0, 0]);
        using var children = new ChildGroup();
        for (int i = 0; i < 5; i++)
        {
            children.Add(ChildProcess.Start(static (SharedArray<int> arr) =>
            {
                using (arr.GetLock().Acquire(Within.Deadline))
                {
                    arr[0] += 100;
                }
            }, a));
        }

        children.JoinAllSucceeded();

        Assert.Equal(501, a[0]);
        Assert.Equal([501, 0, 0], a.AsSpan().ToArray());
    }

    [Fact]
    public void TwoChildren_IncrementingValueUnderGetLock_LoseNoUpdate()
    {
        const int Rounds = 5_000;
        using var v = SharedValue.Create(0);
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < 2; i++)
        {
            children.Add(ChildProcess.Start(static (SharedValue<int> value, SharedEvent g) =>
            {
                g.Wait(Within.Deadline);
                SharedRLock lk = value.GetLock();
                for (int r = 0; r < Rounds; r++)
                {
                    using (lk.Acquire(Within.Deadline))
                    {
                        value.Value += 1;
                    }
                }
            }, v, go));
        }

        go.Set();
        children.JoinAllSucceeded();

        Assert.Equal(2 * Rounds, v.Value);
    }

    [Fact]
    public void Add_IsAtomicAcrossProcesses()
    {
        const int Rounds = 100_000;
        using var v = SharedValue.Create(0);
        using var a = SharedArray.Create<long>(2);
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < 2; i++)
        {
            children.Add(ChildProcess.Start(static (SharedValue<int> value, SharedArray<long> arr, SharedEvent g) =>
            {
                g.Wait(Within.Deadline);
                for (int r = 0; r < Rounds; r++)
                {
                    value.Add(1);
                    arr.Add(1, 2);
                }
            }, v, a, go));
        }

        go.Set();
        children.JoinAllSucceeded();

        Assert.Equal(2 * Rounds, v.Value);
        Assert.Equal(0, a[0]);
        Assert.Equal(4L * Rounds, a[1]);
    }

    [Fact]
    public void Add_ReturnsTheNewValueForEveryIntegerType()
    {
        using var i = SharedValue.Create(5);
        using var u = SharedValue.Create(5u);
        using var l = SharedValue.Create(5L);
        using var ul = SharedValue.Create(5ul);

        Assert.Equal(7, i.Add(2));
        Assert.Equal(7u, u.Add(2u));
        Assert.Equal(7L, l.Add(2L));
        Assert.Equal(7ul, ul.Add(2ul));
        Assert.Equal(4, i.Add(-3));
        Assert.Equal(4, i.Value);
    }

    [Fact]
    public void Add_OnDoubleAndOtherTypes_ThrowsNotSupported()
    {
        using var d = SharedValue.Create(1.5);
        using var f = SharedArray.Create<float>(2);
        using var s = SharedArray.Create<short>(2);

        Assert.Throws<NotSupportedException>(() => d.Add(1.0));
        Assert.Throws<NotSupportedException>(() => f.Add(0, 1f));
        Assert.Throws<NotSupportedException>(() => s.Add(0, 1));
        Assert.Throws<NotSupportedException>(() => s.Exchange(0, 1));
        Assert.Throws<NotSupportedException>(() => s.CompareExchange(0, 1, 0));
        Assert.Equal(1.5, d.Value); // unchanged
    }

    [Fact]
    public void ExchangeAndCompareExchange_WorkInAChild()
    {
        using var v = SharedValue.Create(5);
        using var d = SharedArray.Create<double>([0.5, 0.25]);

        using ChildProcess<string> child = ChildProcess.Start(static (SharedValue<int> value, SharedArray<double> doubles) =>
        {
            int replaced = value.CompareExchange(10, 5);  // 5 → 10
            int kept = value.CompareExchange(20, 5);      // still 10
            int old = value.Exchange(30);                 // 10 → 30
            double oldDouble = doubles.Exchange(0, 1.5);
            double keptDouble = doubles.CompareExchange(1, 9.0, 0.125);
            double replacedDouble = doubles.CompareExchange(1, 2.5, 0.25);
            return FormattableString.Invariant($"{replaced}|{kept}|{old}|{oldDouble}|{keptDouble}|{replacedDouble}");
        }, v, d);

        Assert.Equal("5|10|10|0.5|0.25|0.25", child.ResultOrFail());
        Assert.Equal(30, v.Value);
        Assert.Equal([1.5, 2.5], d.AsSpan().ToArray());
    }

    [Fact]
    public void CompareExchange_ExactlyOneOfFourProcessesClaimsTheSlot()
    {
        using var slot = SharedValue.Create(0);
        using var go = SharedEvent.Create();
        using var children = new ChildGroup();
        for (int i = 0; i < 4; i++)
        {
            children.Add(ChildProcess.Start(static (SharedValue<int> s, SharedEvent g) =>
            {
                g.Wait(Within.Deadline);
                return s.CompareExchange(Environment.ProcessId, 0) == 0;
            }, slot, go));
        }

        go.Set();

        ChildProcess<bool>[] contenders = [.. children.All.Cast<ChildProcess<bool>>()];
        ChildProcess<bool> winner = Assert.Single(contenders, c => c.ResultOrFail());
        Assert.Equal(winner.Pid, slot.Value);
    }

    [Fact]
    public void Open_WithAnotherElementType_ThrowsInvalidDataInAnyProcess()
    {
        using var ints = SharedArray.Create<int>(4);
        using var v = SharedValue.Create(1);

        Assert.Throws<InvalidDataException>(() => SharedArray.Open<double>(ints.Name));
        Assert.Throws<InvalidDataException>(() => SharedArray.Open<float>(ints.Name)); // same size, other type
        Assert.Throws<InvalidDataException>(() => SharedValue.Open<long>(v.Name));
        using (SharedArray<int> same = SharedArray.Open<int>(ints.Name))
        {
            Assert.Equal(4, same.Length);
        }

        using ChildProcess child = ChildProcess.Start(static (string name) => { SharedArray.Open<double>(name).Dispose(); }, ints.Name);
        Handoff.ThrewRemotely<InvalidDataException>(child);
    }

    [Fact]
    public void Create_FromValues_CopiesThem_AndIndexesAreChecked()
    {
        int[] source = [3, 1, 4, 1, 5];
        using var a = SharedArray.Create<int>(source);
        source[0] = 99;

        Assert.Equal(5, a.Length);
        Assert.Equal([3, 1, 4, 1, 5], a.AsSpan().ToArray());
        ref int third = ref a[2];
        third = 40;
        Assert.Equal(40, a.AsSpan()[2]);
        Assert.Throws<IndexOutOfRangeException>(() => a[5]);
        Assert.Throws<IndexOutOfRangeException>(() => a[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedArray.Create<int>(-1));

        using var empty = SharedArray.Create<long>(0);
        Assert.Equal(0, empty.Length);
        Assert.True(empty.AsSpan().IsEmpty);
    }

    [Fact]
    public void StructElements_CrossToAChild()
    {
        using var points = SharedArray.Create<Point>([new Point(1, 2), new Point(3, 4)]);
        using var chars = SharedArray.Create<char>("hi".AsSpan());

        using ChildProcess<string> child = ChildProcess.Start(static (SharedArray<Point> p, SharedArray<char> c) =>
        {
            p[1] = p[1] with { Y = 40 };
            c[1] = 'o';
            return $"{p[0].X + p[0].Y}|{new string(c.AsSpan())}";
        }, points, chars);

        Assert.Equal("3|ho", child.ResultOrFail());
        Assert.Equal(new Point(3, 40), points[1]);
    }

    [Fact]
    public void AsSpan_AfterDispose_ThrowsObjectDisposed()
    {
        var a = SharedArray.Create<int>(2);
        a.Dispose();

        Assert.Throws<ObjectDisposedException>(() => a.AsSpan().Length);
    }

    [Fact]
    public void GetLock_IsTheSameLockInEveryProcess()
    {
        using var a = SharedArray.Create<int>(2);
        using var other = SharedArray.Create<int>(2);
        SharedRLock lk = a.GetLock();
        Assert.Same(lk, a.GetLock());

        using (lk.Acquire())
        {
            using ChildProcess<string> child = ChildProcess.Start(static (SharedArray<int> arr, SharedRLock passed, SharedArray<int> unrelated) =>
            {
                LockHandle? viaArray = arr.GetLock().TryAcquire();
                LockHandle? viaLock = passed.TryAcquire();
                LockHandle? viaReopened = SharedArray.Open<int>(arr.Name).GetLock().TryAcquire();
                LockHandle? otherArrays = unrelated.GetLock().TryAcquire();
                otherArrays?.Dispose();
                return $"{viaArray is null}|{viaLock is null}|{viaReopened is null}|{otherArrays is not null}";
            }, a, lk, other);

            Assert.Equal("True|True|True|True", child.ResultOrFail());
        }

        using ChildProcess<bool> after = ChildProcess.Start(static (SharedRLock passed) =>
        {
            LockHandle? h = passed.TryAcquire();
            h?.Dispose();
            return h is not null;
        }, lk);
        Assert.True(after.ResultOrFail());
    }

    [Fact]
    public void GetLock_OfValue_OwnerKilled_NextAcquirerSeesWasAbandoned()
    {
        using var v = SharedValue.Create(0);
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedValue<int> value, SharedEvent r) =>
        {
            _ = value.GetLock().Acquire(Within.Deadline);
            value.Value = -1; // half-way through an update
            r.Set();
            Thread.Sleep(Timeout.Infinite);
        }, v, ready);
        Handoff.WaitReady(ready, child);

        child.Kill();

        using LockHandle h = v.GetLock().Acquire(Within.Deadline);
        Assert.True(h.WasAbandoned);
        Assert.Equal(-1, v.Value);
    }

    [Fact]
    public void GetLock_Disposed_LeavesTheArrayUsable()
    {
        using var a = SharedArray.Create<int>(1);
        a.GetLock().Dispose();

        a[0] = 3;
        using (a.GetLock().Acquire())
        {
            a[0]++;
        }

        Assert.Equal(4, a[0]);
    }
}
