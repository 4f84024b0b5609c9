using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>A child never outlives its parent, however the parent ends; at a normal exit, non-daemon children are waited for.</summary>
public class ParentLifetimeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Child_WhenParentIsKilledWithSigkill_KillsItself(bool daemon)
    {
        using var parent = TestApp.StartDll(daemon ? ["orphan", "daemon"] : ["orphan"]);
        try
        {
            int childPid = TestApp.ReadChildPid(parent);
            using ProcessWatch child = TestApp.Watch(childPid);
            Assert.False(child.WaitForExit(TimeSpan.Zero), "the child should be running while its parent lives");

            parent.Kill();
            Assert.True(child.WaitForExit(TestApp.Patience), "the child outlived its SIGKILLed parent");
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Child_WhenParentDiesOfUnhandledException_KillsItself()
    {
        using var parent = TestApp.StartDll("unhandled");
        try
        {
            int childPid = TestApp.ReadChildPid(parent);
            using ProcessWatch child = TestApp.Watch(childPid);
            Assert.True(parent.WaitForExit(TestApp.Patience));
            Assert.NotEqual(0, parent.ExitCode);
            Assert.True(child.WaitForExit(TestApp.Patience), "the child outlived its crashed parent");
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void MainReturning_RunsTheTasksSubmittedToOpenPoolsAndNeverAwaited()
    {
        (int exitCode, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, [Path.Combine(TestApp.OutputDir, "Multiprocessing.TestApp.dll"), "pool-exit"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {stderr}");
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("main returns", lines[0]);
        Assert.Equal(["thread task 0 ran", "thread task 1 ran", "thread task 2 ran"], lines.Where(l => l.StartsWith("thread task", StringComparison.Ordinal)));
        Assert.Contains("process task ran", lines);
    }

    [Fact]
    public async Task MainReturning_WaitsForNonDaemonChildren_AndKillsDaemonChildren()
    {
        using var parent = TestApp.StartDll("return");
        try
        {
            int daemonPid = TestApp.ReadChildPid(parent);
            using ProcessWatch daemon = TestApp.Watch(daemonPid);
            Task<string> rest = parent.StandardOutput.ReadToEndAsync();
            Assert.True(parent.WaitForExit(TestApp.Patience), "the parent did not exit: was it waiting for its daemon child?");
            Assert.Equal(0, parent.ExitCode);
            string output = await rest.WaitAsync(TestApp.Patience);
            Assert.Contains("main returns", output, StringComparison.Ordinal);
            Assert.Contains("non-daemon child finished", output, StringComparison.Ordinal);
            Assert.True(daemon.WaitForExit(TestApp.Patience), "the daemon child outlived its parent");
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
        }
    }
}
