using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.ManagerTests;

/// <summary>A managed namespace: named attributes of any types, shared with children.</summary>
public sealed class NamespaceTests
{
    [Fact]
    public void ChildSetsAttributes_ParentReadsThem()
    {
        using Manager manager = Manager.Start();
        using ManagedNamespace ns = manager.Namespace();
        ns.Set("x", 1);

        using ChildProcess child = ChildProcess.Start(static (ManagedNamespace n) =>
        {
            n.Set("y", "from the child");
            n.Set("point", new Point(3, 4));
            n.Increment("x", 10);
        }, ns);
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(11, ns.Get<int>("x"));
        Assert.Equal("from the child", ns.Get<string>("y"));
        Assert.Equal(new Point(3, 4), ns.Get<Point>("point"));
        Assert.Equal(["point", "x", "y"], ns.Names().Order());
        Assert.True(ns.Remove("y"));
        Assert.False(ns.TryGet("y", out string? _));
        Assert.Throws<KeyNotFoundException>(() => ns.Get<string>("y"));
    }
}
