using System.Globalization;
using System.Text.RegularExpressions;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>Names, pids, the daemon flag and the environment, as the parent and the child see them.</summary>
public sealed partial class IdentityTests
{
    private static ChildFacts ReportFacts() =>
        new(CurrentProcess.Name, CurrentProcess.Id, CurrentProcess.ParentId, CurrentProcess.IsChild, CurrentProcess.IsDaemon);

    [GeneratedRegex(@"^ChildProcess-(\d+)$")]
    private static partial Regex DefaultName();

    [Fact]
    public void Name_WhenNotGiven_IsChildProcessNWithIncreasingN()
    {
        using ChildProcess<ChildFacts> first = ChildProcess.Start(ReportFacts);
        using ChildProcess<ChildFacts> second = ChildProcess.Start(ReportFacts);

        Match m1 = DefaultName().Match(first.Name);
        Match m2 = DefaultName().Match(second.Name);
        Assert.True(m1.Success, first.Name);
        Assert.True(m2.Success, second.Name);
        Assert.True(
            int.Parse(m2.Groups[1].Value, CultureInfo.InvariantCulture) > int.Parse(m1.Groups[1].Value, CultureInfo.InvariantCulture),
            $"{second.Name} should be numbered after {first.Name}");

        Assert.Equal(first.Name, first.ResultOrFail().Name);
        Assert.Equal(second.Name, second.ResultOrFail().Name);
    }

    [Fact]
    public void CurrentProcess_InChild_ReportsGivenNameOwnPidAndThisProcessAsParent()
    {
        using ChildProcess<ChildFacts> child = ChildProcess.Start(ReportFacts, new ChildProcessOptions { Name = "worker-αβ" });

        ChildFacts facts = child.ResultOrFail();

        Assert.Equal("worker-αβ", child.Name);
        Assert.Equal("worker-αβ", facts.Name);
        Assert.Equal(child.Pid, facts.Id);
        Assert.Equal(Environment.ProcessId, facts.ParentId);
        Assert.True(facts.IsChild);
        Assert.False(facts.IsDaemon);
        Assert.False(child.Daemon);
    }

    [Fact]
    public void CurrentProcess_InParent_IsMainProcessAndNotAChild()
    {
        Assert.False(CurrentProcess.IsChild);
        Assert.False(CurrentProcess.IsDaemon);
        Assert.Equal("MainProcess", CurrentProcess.Name);
        Assert.Equal(Environment.ProcessId, CurrentProcess.Id);
        Assert.False(CurrentProcess.TerminationToken.IsCancellationRequested);
    }

    [Fact]
    public void Daemon_WhenSetInOptions_IsSeenByParentAndChild()
    {
        using ChildProcess<ChildFacts> child = ChildProcess.Start(ReportFacts, new ChildProcessOptions { Daemon = true });

        ChildFacts facts = child.ResultOrFail();

        Assert.True(child.Daemon);
        Assert.True(facts.IsDaemon);
        Assert.Contains("daemon", child.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_FromOptions_IsSetOrRemovedInChildOnly()
    {
        string inherited = "MP_TEST_INHERITED_" + Guid.NewGuid().ToString("N");
        string removed = "MP_TEST_REMOVED_" + Guid.NewGuid().ToString("N");
        string added = "MP_TEST_ADDED_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(inherited, "from parent");
        Environment.SetEnvironmentVariable(removed, "from parent");
        try
        {
            var options = new ChildProcessOptions
            {
                Environment = new Dictionary<string, string?> { [added] = "given", [removed] = null },
            };
            using ChildProcess<string?[]> child = ChildProcess.Start(
                (string a, string b, string c) => new[] { Environment.GetEnvironmentVariable(a), Environment.GetEnvironmentVariable(b), Environment.GetEnvironmentVariable(c) },
                inherited,
                removed,
                added,
                options);

            string?[] seen = child.ResultOrFail();
            Assert.Equal(3, seen.Length);
            Assert.Equal("from parent", seen[0]);
            Assert.Null(seen[1]);
            Assert.Equal("given", seen[2]);
            Assert.Null(Environment.GetEnvironmentVariable(added));
            Assert.Equal("from parent", Environment.GetEnvironmentVariable(removed));
        }
        finally
        {
            Environment.SetEnvironmentVariable(inherited, null);
            Environment.SetEnvironmentVariable(removed, null);
        }
    }

    [Fact]
    public void CurrentProcess_InGrandchild_HasTheChildAsParent()
    {
        using ChildProcess<(int ChildPid, ChildFacts Grandchild)> child = ChildProcess.Start(() =>
        {
            using ChildProcess<ChildFacts> grandchild = ChildProcess.Start(ReportFacts);
            return (Environment.ProcessId, grandchild.Result);
        });

        (int childPid, ChildFacts grandchild) = child.ResultOrFail();

        Assert.Equal(child.Pid, childPid);
        Assert.Equal(childPid, grandchild.ParentId);
        Assert.True(grandchild.IsChild);
        Assert.NotEqual(childPid, grandchild.Id);
    }
}
