using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed set (Python's <c>manager.set()</c>): one set in the manager, proxies in any process.</summary>
public sealed class SetTests
{
    [Fact]
    public void TwoChildrenAddTheSameItems_EachItemIsAddedByExactlyOne()
    {
        using Manager manager = Manager.Start();
        using ManagedSet<int> set = manager.Set<int>();
        using ManagedList<int> wins = manager.List<int>();

        using ChildProcess a = ChildProcess.Start(AddAll, set, wins);
        using ChildProcess b = ChildProcess.Start(AddAll, set, wins);
        a.JoinOrFail();
        b.JoinOrFail();
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);

        Assert.Equal(100, set.Count);
        Assert.Equal(Enumerable.Range(0, 100), set.Snapshot().Order());
        Assert.Equal(Enumerable.Range(0, 100), wins.Snapshot().Order()); // every item: one true Add, whichever child
    }

    [Fact]
    public void ContainsRemoveClear_AsPythonsInDiscardClear()
    {
        using Manager manager = Manager.Start();
        using ManagedSet<string> set = manager.Set<string>();

        Assert.True(set.Add("a"));
        Assert.False(set.Add("a"));
        Assert.True(set.Add("b"));
        (bool hasA, bool hasZ) = (set.Contains("a"), set.Contains("z")); // the manager's own test, not an enumeration
        Assert.True(hasA);
        Assert.False(hasZ);
        Assert.True(set.Remove("a"));
        Assert.False(set.Remove("a"));
        Assert.Equal(["b"], set);
        set.Clear();
        Assert.Empty(set);
    }

    [Fact]
    public void ANamedSet_IsTheSameSetForEveryConnection_AndNotAnotherKindsName()
    {
        using Manager manager = Manager.Start();
        using ManagedSet<int> first = manager.Set<int>("seen");
        using ManagedSet<int> second = manager.Set<int>("seen");
        first.Add(7);
        bool seen = second.Contains(7);
        Assert.True(seen);

        using ManagedDictionary<int, int> dictionary = manager.Dictionary<int, int>("dict");
        Assert.Throws<RemoteException>(() => manager.Set<int>("dict"));
    }

    private static void AddAll(ManagedSet<int> set, ManagedList<int> wins)
    {
        for (int i = 0; i < 100; i++)
        {
            if (set.Add(i))
            {
                wins.Add(i);
            }
        }
    }
}
