using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

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

    [Fact]
    public void PrintsAsPythonsNamespace_SortedWithEachValuesRepr()
    {
        using Manager manager = Manager.Start();
        using ManagedNamespace ns = manager.Namespace();
        Assert.Equal("Namespace()", ns.ToString());

        using ChildProcess child = ChildProcess.Start(static (ManagedNamespace n) =>
        {
            n.Set("name", "Bob");
            n.Set("age", 3);
        }, ns);
        child.JoinOrFail();
        Assert.Equal("Namespace(age=3, name='Bob')", ns.ToString()); // CPython 3.11: print(ns) after ns.name = 'Bob'; ns.age = 3

        ns.Set("ratio", 2.5);
        ns.Set("whole", 3.0);
        ns.Set("ok", true);
        ns.Set<string?>("nothing", null);
        ns.Set<string[]>("items", ["one", "two"]);
        ns.Set("quote", "it's");
        ns.Set("_hidden", 1);
        ns.Set("big", 1e16);
        ns.Set("small", 0.00001);

        // What CPython 3.11 prints for the same attributes (items = ['one', 'two']).
        Assert.Equal(
            "Namespace(age=3, big=1e+16, items=['one', 'two'], name='Bob', nothing=None, ok=True, quote=\"it's\", ratio=2.5, small=1e-05, whole=3.0)",
            ns.ToString());

        using ChildProcess<string> reader = ChildProcess.Start(static (ManagedNamespace n) => n.ToString(), ns);
        Assert.Equal(ns.ToString(), reader.ResultOrFail());

        ns.Dispose();
        Assert.StartsWith("ManagedNamespace #", ns.ToString(), StringComparison.Ordinal); // no request after Dispose
    }
}
