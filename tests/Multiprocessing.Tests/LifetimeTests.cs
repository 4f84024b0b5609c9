using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests;

/// <summary>ActiveChildren lists running children only; disposing a running child kills it and waits.</summary>
public sealed class LifetimeTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ActiveChildren_ContainsRunningChildAndNotExitedOnes()
    {
        string go = temp.NewPath("go");
        using ChildProcess<int> running = ChildProcess.Start<string, int>(StaticTargets.WaitForFile, go);
        using ChildProcess<int> finished = ChildProcess.Start(() => 2);
        Assert.Equal(2, finished.ResultOrFail());

        IReadOnlyList<ChildProcess> active = ChildProcess.ActiveChildren();
        Assert.Contains(running, active);
        Assert.DoesNotContain(finished, active);
        Assert.True(running.IsAlive);
        Assert.Contains(running.Pid, ProcessTree.ChildPids());

        File.WriteAllText(go, string.Empty);
        running.JoinOrFail();

        Assert.DoesNotContain(running, ChildProcess.ActiveChildren());
    }

    [Fact]
    public void Join_AfterChildExited_ChildHasBeenReaped()
    {
        using ChildProcess<int> child = ChildProcess.Start(() => 5);

        Assert.Equal(5, child.ResultOrFail());

        Assert.DoesNotContain(child.Pid, ProcessTree.ChildPids()); // no zombie left behind
    }

    [Fact]
    public void Dispose_RunningChild_KillsItAndReturns()
    {
        string ready = temp.NewPath("ready");
        ChildProcess child = ChildProcess.Start(StaticTargets.SignalThenBlock, ready);
        try
        {
            Within.WaitForFile(ready, child);

            Within.Returns(child.Dispose, "Dispose of a running child");

            Assert.False(child.IsAlive);
            Assert.Equal(-9, child.ExitCode);
            Assert.DoesNotContain(child, ChildProcess.ActiveChildren());
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public async Task DisposeAsync_RunningChild_KillsItAndCompletes()
    {
        string ready = temp.NewPath("ready");
        ChildProcess child = ChildProcess.Start(StaticTargets.SignalThenBlock, ready);
        try
        {
            Within.WaitForFile(ready, child);

            await child.DisposeAsync().AsTask().WaitAsync(Within.Deadline);

            Assert.False(child.IsAlive);
            Assert.Equal(-9, child.ExitCode);
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public void Dispose_ExitedChild_KeepsItsExitCodeAndResult()
    {
        ChildProcess<string> child = ChildProcess.Start(() => "done");
        Assert.Equal("done", child.ResultOrFail());

        Within.Returns(child.Dispose, "Dispose of an exited child");
        Within.Returns(child.Dispose, "A second Dispose");

        Assert.Equal(0, child.ExitCode);
        Assert.Equal("done", child.Result);
    }

    [Fact]
    public void IsAliveAndPid_WhileRunning_AreTrueAndTheRealProcess()
    {
        string ready = temp.NewPath("ready");
        using ChildProcess child = ChildProcess.Start(StaticTargets.SignalThenBlock, ready);
        Within.WaitForFile(ready, child);

        Assert.True(child.IsAlive);
        Assert.Null(child.ExitCode);
        Assert.True(child.Pid > 0);
        Assert.Contains(child.Pid, ProcessTree.ChildPids());
        Assert.Contains($"pid={child.Pid}", child.ToString(), StringComparison.Ordinal);
    }
}
