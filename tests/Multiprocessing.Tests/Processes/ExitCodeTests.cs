using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>How a child ended shows in ExitCode, and a child that ended without a result makes Result throw ProcessDiedException.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(true, 9, "SIGKILL")]
    [InlineData(false, 15, "SIGTERM")]
    public void KillOrTerminate_ChildThatNeverReadsTheToken_ExitCodeIsMinusSignalAndResultThrowsProcessDied(bool kill, int signal, string signalName)
    {
        string ready = temp.NewPath("ready");
        using ChildProcess<int> child = ChildProcess.Start((string path) =>
        {
            File.WriteAllText(path, string.Empty);
            Thread.Sleep(TimeSpan.FromSeconds(60));
            return 1;
        }, ready);
        Within.WaitForFile(ready, child);

        if (kill)
        {
            child.Kill();
        }
        else
        {
            child.Terminate();
        }

        child.JoinOrFail();

        Assert.Equal(-signal, child.ExitCode);
        Assert.False(child.IsAlive);
        Assert.Null(child.Exception);
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);
        Assert.Equal(signal, e.Signal);
        Assert.Equal(-signal, e.ExitCode);
        Assert.Equal(child.Pid, e.ProcessId);
        Assert.Equal(child.Name, e.ProcessName);
        Assert.Contains(signalName, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Terminate_TargetWaitingOnTerminationTokenThatReturns_ExitCodeIsZeroAndResultArrives()
    {
        string ready = temp.NewPath("ready");
        using ChildProcess<string> child = ChildProcess.Start((string path) =>
        {
            CancellationToken token = CurrentProcess.TerminationToken;
            File.WriteAllText(path, string.Empty);
            bool signalled = token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            return signalled ? "stopped cleanly" : "never told to stop";
        }, ready);
        Within.WaitForFile(ready, child);

        child.Terminate();
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal("stopped cleanly", child.Result);
        Assert.Null(child.Exception);
    }

    [Fact]
    public void Terminate_TargetThrowingOperationCanceledFromTerminationToken_ExitCodeIsMinus15()
    {
        string ready = temp.NewPath("ready");
        using ChildProcess<string> child = ChildProcess.Start(async () =>
        {
            CancellationToken token = CurrentProcess.TerminationToken;
            await File.WriteAllTextAsync(ready, string.Empty, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(30), token); // throws TaskCanceledException on Terminate
            return "never told to stop";
        });
        Within.WaitForFile(ready, child);

        child.Terminate();
        child.JoinOrFail();

        Assert.Equal(-15, child.ExitCode);
        Assert.Null(child.Exception);
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);
        Assert.Equal(15, e.Signal);
    }

    [Fact]
    public void Terminate_SynchronousTargetCallingThrowIfCancellationRequested_ExitCodeIsMinus15()
    {
        string ready = temp.NewPath("ready");
        using ChildProcess child = ChildProcess.Start((string path) =>
        {
            CancellationToken token = CurrentProcess.TerminationToken;
            File.WriteAllText(path, string.Empty);
            token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            token.ThrowIfCancellationRequested();
        }, ready);
        Within.WaitForFile(ready, child);

        child.Terminate();
        child.JoinOrFail();

        Assert.Equal(-15, child.ExitCode);
    }

    [Fact]
    public void Result_WhenTargetCallsEnvironmentExit_ExitCodeIsThatCodeAndResultThrowsProcessDied()
    {
        using ChildProcess<int> child = ChildProcess.Start(() =>
        {
            Environment.Exit(7);
            return 0;
        });
        child.JoinOrFail();

        Assert.Equal(7, child.ExitCode);
        Assert.Null(child.Exception);
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);
        Assert.Equal(7, e.ExitCode);
        Assert.Null(e.Signal);
        Assert.Equal(child.Pid, e.ProcessId);
    }

    [Fact]
    public void Result_WhenTargetCallsEnvironmentExitZero_ThrowsProcessDiedWithExitCodeZero()
    {
        using ChildProcess<string> child = ChildProcess.Start(() =>
        {
            Environment.Exit(0);
            return "unreachable";
        });
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);
        Assert.Equal(0, e.ExitCode);
        Assert.Null(e.Signal);
    }

    [Fact]
    public void KillAndTerminate_AfterChildExited_DoNothing()
    {
        using ChildProcess<int> child = ChildProcess.Start(() => 3);
        Assert.Equal(3, child.ResultOrFail());

        child.Kill();
        child.Terminate();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(3, child.Result);
    }

    [Fact]
    public void Kill_ImmediatelyAfterStart_ExitCodeIsMinus9()
    {
        using ChildProcess<int> child = ChildProcess.Start(() => 1);

        child.Kill();
        child.JoinOrFail();

        Assert.Equal(-9, child.ExitCode);
        Assert.Throws<ProcessDiedException>(() => child.Result);
    }

    [Fact]
    public void Terminate_ImmediatelyAfterStart_ExitCodeIsMinus15()
    {
        using ChildProcess<int> child = ChildProcess.Start(() =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(60));
            return 1;
        });

        child.Terminate();
        child.JoinOrFail();

        Assert.Equal(-15, child.ExitCode);
    }

    [Fact]
    public void Terminate_TargetThatReadsTheTokenButKeepsWorking_IsTrustedAndKeepsRunning()
    {
        string ready = temp.NewPath("ready"), noticed = temp.NewPath("noticed");
        using ChildProcess child = ChildProcess.Start((string r, string n) =>
        {
            CancellationToken token = CurrentProcess.TerminationToken;
            File.WriteAllText(r, string.Empty);
            if (token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)))
            {
                File.WriteAllText(n, string.Empty);
            }

            Thread.Sleep(TimeSpan.FromSeconds(60)); // ignores the request
        }, ready, noticed);
        Within.WaitForFile(ready, child);

        child.Terminate();
        Within.WaitForFile(noticed, child);

        Assert.True(child.IsAlive);
        Assert.Null(child.ExitCode);

        child.Kill();
        child.JoinOrFail();
        Assert.Equal(-9, child.ExitCode);
    }
}
