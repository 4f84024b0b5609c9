using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// After its target returns, a child waits for the foreground threads the target started, as Python's child joins
/// its non-daemon threads; background threads (Python's daemon threads) end with it.
/// </summary>
public sealed class ChildThreadsTests
{
    [Fact]
    public void ForegroundThread_KeepsTheChildAliveAfterItsTargetReturns_ThenTheResultArrives()
    {
        using var go = SharedEvent.Create();
        using var started = SharedEvent.Create();
        using SharedValue<int> finished = SharedValue.Create(0);
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent g, SharedEvent s, SharedValue<int> f) =>
        {
            new Thread(() =>
            {
                g.Wait();
                f.Value = 1;
            }).Start();
            s.Set();
            return 42;
        }, go, started, finished);
        started.Wait(Within.Deadline);

        Assert.False(child.Join(TimeSpan.FromMilliseconds(500)), "the child exits only once its foreground thread has ended");
        Assert.True(child.IsAlive);
        go.Set();

        Assert.Equal(42, child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(1, finished.Value);
    }

    [Fact]
    public void ForegroundThread_AfterTheTargetThrew_StillRuns_AndTheExitCodeIs1()
    {
        using var go = SharedEvent.Create();
        using var started = SharedEvent.Create();
        using SharedValue<int> finished = SharedValue.Create(0);
        using ChildProcess child = ChildProcess.Start(static (SharedEvent g, SharedEvent s, SharedValue<int> f) =>
        {
            new Thread(() =>
            {
                g.Wait();
                f.Value = 1;
            }).Start();
            s.Set();
            throw new InvalidOperationException("the target failed");
        }, go, started, finished);
        started.Wait(Within.Deadline);

        Assert.False(child.Join(TimeSpan.FromMilliseconds(500)), "the child exits only once its foreground thread has ended");
        go.Set();

        child.JoinOrFail();
        Assert.Equal(1, child.ExitCode);
        Assert.Equal(typeof(InvalidOperationException).FullName, Assert.IsType<RemoteException>(child.Exception).RemoteType);
        Assert.Equal(1, finished.Value);
    }

    [Fact]
    public void BackgroundThread_DoesNotKeepTheChildAlive()
    {
        using ChildProcess<int> child = ChildProcess.Start(static () =>
        {
            new Thread(() => Thread.Sleep(Timeout.Infinite)) { IsBackground = true }.Start();
            return 5;
        });

        Assert.Equal(5, child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
    }
}
