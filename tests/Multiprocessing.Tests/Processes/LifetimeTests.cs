using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

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
        using ChildProcess<int> later = ChildProcess.Start<string, int>(StaticTargets.WaitForFile, go);
        Assert.Equal(2, finished.ResultOrFail());

        List<ChildProcess> active = [.. ChildProcess.ActiveChildren()];
        Assert.Contains(running, active);
        Assert.Contains(later, active);
        Assert.DoesNotContain(finished, active);
        Assert.True(active.IndexOf(running) < active.IndexOf(later), "ActiveChildren lists the oldest first");
        Assert.True(running.IsAlive);
        Assert.Contains(running.Pid, ProcessTree.ChildPids());

        File.WriteAllText(go, string.Empty);
        running.JoinOrFail();
        later.JoinOrFail();

        Assert.DoesNotContain(running, ChildProcess.ActiveChildren());
        Assert.DoesNotContain(later, ChildProcess.ActiveChildren());
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

            Assert.Equal(-9, child.ExitCode);
            Assert.DoesNotContain(child, ChildProcess.ActiveChildren());
            Assert.DoesNotContain(child.Pid, ProcessTree.ChildPids());
        }
        finally
        {
            child.Dispose();
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

            Assert.Equal(-9, child.ExitCode);
            Assert.Throws<ObjectDisposedException>(() => child.IsAlive);
        }
        finally
        {
            child.Dispose();
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
    public async Task AfterDispose_WaitsAndSignals_ThrowObjectDisposed_AsPythonsCloseThenValueError()
    {
        ChildProcess<int> child = ChildProcess.Start(() => 7);
        Assert.Equal(7, child.ResultOrFail());
        child.Dispose();

        Assert.Throws<ObjectDisposedException>(() => child.IsAlive);
        Assert.Throws<ObjectDisposedException>(child.Join);
        Assert.Throws<ObjectDisposedException>(() => child.Join(TimeSpan.Zero));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => child.WaitForExitAsync());
        Assert.Throws<ObjectDisposedException>(child.Terminate);
        Assert.Throws<ObjectDisposedException>(child.Kill);
        Assert.Throws<ObjectDisposedException>(() => child.SendSignal(System.Runtime.InteropServices.PosixSignal.SIGHUP));

        // What the child left stays readable.
        Assert.Equal(0, child.ExitCode);
        Assert.Null(child.Exception);
        Assert.Equal(7, child.Result);
        Assert.Equal(7, await child.ResultAsync());
        Assert.Contains("exitcode=0", child.ToString(), StringComparison.Ordinal);
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

    [Fact]
    public void ChildExit_NonDaemonGrandchild_IsWaitedFor()
    {
        string returned = temp.NewPath("returned"), go = temp.NewPath("go"), done = temp.NewPath("done");
        using ChildProcess<int> child = ChildProcess.Start((string r, string g, string d) =>
        {
            ChildProcess grandchild = ChildProcess.Start((string g2, string d2) =>
            {
                StaticTargets.WaitForFile(g2);
                File.WriteAllText(d2, "done");
            }, g, d);
            File.WriteAllText(r, string.Empty);
            return grandchild.Pid; // returns without joining its own child
        }, returned, go, done);
        Within.WaitForFile(returned, child);

        // The child's target has returned, but the child must stay until its non-daemon child ends.
        Assert.False(child.Join(TimeSpan.FromMilliseconds(300)));
        Assert.False(File.Exists(done));

        File.WriteAllText(go, string.Empty);
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.True(child.Result > 0);
        Assert.Equal("done", File.ReadAllText(done));
    }

    [Fact]
    public void ChildExit_DaemonGrandchild_IsKilled()
    {
        string ready = temp.NewPath("ready");
        using ChildProcess<int> child = ChildProcess.Start((string path) =>
        {
            ChildProcess grandchild = ChildProcess.Start(StaticTargets.SignalThenBlock, path, new ChildProcessOptions { Daemon = true });
            StaticTargets.WaitForFile(path);
            return grandchild.Pid; // returns without joining its daemon child, which blocks for 60 s
        }, ready);

        int grandchildPid = child.ResultOrFail(); // within 30 s: the daemon did not keep it alive

        Assert.Equal(0, child.ExitCode);
        Assert.True(File.Exists(ready), "the daemon grandchild never ran");
        Assert.False(IsRunning(grandchildPid), $"daemon grandchild {grandchildPid} outlived its parent");
    }

    [Fact]
    public void ParentKilled_GrandchildKillsItself()
    {
        string ready = temp.NewPath("ready"), pidFile = temp.NewPath("pid");
        using ChildProcess child = ChildProcess.Start((string r, string p) =>
        {
            ChildProcess grandchild = ChildProcess.Start(StaticTargets.SignalThenBlock, r);
            StaticTargets.WaitForFile(r);
            File.WriteAllText(p, grandchild.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            System.Diagnostics.Process.GetCurrentProcess().Kill(); // SIGKILL: no exit handlers run
        }, ready, pidFile);
        child.JoinOrFail();
        Assert.Equal(-9, child.ExitCode);
        int grandchildPid = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (IsRunning(grandchildPid) && clock.Elapsed < Within.Deadline)
        {
            Thread.Sleep(10); // polling another process's state: there is nothing to wait on
        }

        Assert.False(IsRunning(grandchildPid), $"grandchild {grandchildPid} outlived its killed parent");
    }

    /// <summary>True if <paramref name="pid"/> exists and is not a zombie.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not "Z" and not "X";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
