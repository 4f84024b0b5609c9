using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Synchronization;

/// <summary>SharedEvent: a flag that wakes waiters in every process when set.</summary>
public sealed class SharedEventTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    [Fact]
    public void Set_WakesWaitersInTwoChildren()
    {
        using var ev = SharedEvent.Create();
        using var ready = SharedSemaphore.Create(0);
        using var children = new ChildGroup();
        for (int i = 0; i < 2; i++)
        {
            children.Add(ChildProcess.Start(static (SharedEvent e, SharedSemaphore r) =>
            {
                r.Release();
                e.Wait(Within.Deadline);
                return e.IsSet;
            }, ev, ready));
        }

        foreach (ChildProcess _ in children.All)
        {
            Assert.True(ready.TryAcquire(Within.Deadline), "a child did not start waiting");
        }

        Assert.False(ev.IsSet);
        Assert.False(children.All[0].Join(Short)); // nobody has set it: they wait
        ev.Set();

        foreach (ChildProcess child in children.All)
        {
            Assert.True(((ChildProcess<bool>)child).ResultOrFail());
        }
    }

    [Fact]
    public void SetInChild_IsSeenByParentWait()
    {
        using var ev = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (SharedEvent e) => e.Set(), ev);

        ev.Wait(Within.Deadline);

        Assert.True(ev.IsSet);
        child.JoinOrFail();
    }

    [Fact]
    public void Clear_LowersTheFlagForEveryProcess()
    {
        using var ev = SharedEvent.Create(initialState: true);
        Assert.True(ev.IsSet);
        Assert.True(ev.TryWait(TimeSpan.Zero));
        ev.Wait(Short); // already set: returns at once

        using (ChildProcess<bool> child = ChildProcess.Start(static (SharedEvent e) =>
        {
            bool wasSet = e.IsSet;
            e.Clear();
            return wasSet;
        }, ev))
        {
            Assert.True(child.ResultOrFail());
        }

        Assert.False(ev.IsSet);
        Assert.False(ev.TryWait(Short));
        ev.Clear(); // clearing a clear event changes nothing
        Assert.False(ev.IsSet);
        ev.Set();
        ev.Set(); // setting a set event changes nothing
        Assert.True(ev.IsSet);
    }

    [Fact]
    public async Task NotSet_TimeoutsAreFalseOrTimeoutException()
    {
        using var ev = SharedEvent.Create();

        Assert.False(ev.TryWait(TimeSpan.Zero));
        Assert.False(ev.TryWait(Short));
        Assert.Throws<TimeoutException>(() => ev.Wait(Short));
        Assert.False(await ev.TryWaitAsync(Short));
        await Assert.ThrowsAsync<TimeoutException>(async () => await ev.WaitAsync(Short));

        using var cancel = new CancellationTokenSource(Short);
        Assert.ThrowsAny<OperationCanceledException>(() => ev.Wait(Within.Deadline, cancel.Token));
        using var cancelAsync = new CancellationTokenSource(Short);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ev.WaitAsync(Within.Deadline, cancelAsync.Token));
        Assert.False(ev.IsSet);
    }

    [Fact]
    public async Task WaitAsync_IsWokenBySetInAnotherProcess()
    {
        using var ev = SharedEvent.Create();
        using var go = SharedEvent.Create();
        await using var pending = new PendingWaits();
        Task waiting = pending.Add(ev.WaitAsync(Within.Deadline, pending.Token).AsTask());
        Task<bool> trying = pending.Add(ev.TryWaitAsync(Within.Deadline, pending.Token).AsTask());
        Assert.False(waiting.IsCompleted);

        using ChildProcess child = ChildProcess.Start(static (SharedEvent e, SharedEvent g) =>
        {
            g.Wait(Within.Deadline);
            e.Set();
        }, ev, go);
        go.Set();

        await waiting.WaitAsync(Within.Deadline);
        Assert.True(await trying.WaitAsync(Within.Deadline));
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task SetThenClearAtOnce_WakesEveryWaiter_InEveryProcess()
    {
        // Python: every process waiting when set() runs returns True from wait(), even if clear() follows at once.
        using var ev = SharedEvent.Create();
        using var woken = SharedSemaphore.Create(0);
        using var next = SharedSemaphore.Create(0);
        using var children = new ChildGroup();
        for (int i = 0; i < 2; i++)
        {
            children.Add(ChildProcess.Start(WakeUpRounds.EventWaiters, ev, woken, next, WakeUpRounds.Rounds));
        }

        Task<int> mine = Task.Run(() => WakeUpRounds.EventWaiters(ev, woken, next, WakeUpRounds.Rounds));
        int waiters = (children.All.Count + 1) * WakeUpRounds.PerProcess;

        WakeUpRounds.Drive(WakeUpRounds.Rounds, waiters, () => ev.WaiterCount, () =>
        {
            ev.Set();
            ev.Clear();
        }, woken, next, [.. children.All]);

        Assert.Equal(-1, await mine.WaitAsync(Within.Deadline));
        foreach (ChildProcess child in children.All)
        {
            Assert.Equal(-1, ((ChildProcess<int>)child).ResultOrFail());
        }

        Assert.False(ev.IsSet);
        Assert.Equal(0, ev.WaiterCount);
    }

    [Fact]
    public void Open_ByName_SharesTheFlag()
    {
        using var ev = SharedEvent.Create();
        using SharedEvent other = SharedEvent.Open(ev.Name);

        other.Set();
        Assert.True(ev.IsSet);
        ev.Clear();
        Assert.False(other.IsSet);
    }
}
