using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed list: an <see cref="IList{T}"/> in the manager, shared by children.</summary>
public sealed class ListTests
{
    [Fact]
    public void ListOperations_BehaveAsIList()
    {
        using Manager manager = Manager.Start();
        using ManagedList<string> list = manager.List<string>();

        Assert.Equal(1, list.Add("a"));
        Assert.Equal(2, list.Add("c"));
        list.Insert(1, "b");
        Assert.Equal(["a", "b", "c"], list);
        Assert.Equal("b", list[1]);
        list[1] = "B";
        Assert.Equal(1, list.IndexOf("B"));
        Assert.Equal(-1, list.IndexOf("b"));
        Assert.Contains("c", list);
        Assert.True(list.Remove("a"));
        Assert.False(list.Remove("a"));
        Assert.Equal("c", list.Pop(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => list[5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1] = "x");
        Assert.Throws<ArgumentOutOfRangeException>(() => list.Insert(3, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => list.RemoveAt(1));
        string[] copy = ["-", "-"];
        list.CopyTo(copy, 1);
        Assert.Equal(["-", "B"], copy);
        list.Clear();
        Assert.Empty(list);
    }

    [Fact]
    public void FiveChildrenAppend_EveryItemArrives_AtTheIndexItsAddReturned()
    {
        using Manager manager = Manager.Start();
        using ManagedList<int> list = manager.List<int>();

        var children = new List<ChildProcess<int[]>>();
        try
        {
            for (int k = 0; k < 5; k++)
            {
                children.Add(ChildProcess.Start(static (int who, ManagedList<int> items) =>
                {
                    int[] places = new int[20];
                    for (int i = 0; i < places.Length; i++)
                    {
                        places[i] = items.Add((who * 100) + i) - 1;
                    }

                    return places;
                }, k, list));
            }

            for (int k = 0; k < 5; k++)
            {
                int[] places = children[k].ResultOrFail();
                for (int i = 0; i < places.Length; i++)
                {
                    Assert.Equal((k * 100) + i, list[places[i]]);
                }
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }

        Assert.Equal(100, list.Count);
        Assert.Equal(Enumerable.Range(0, 5).SelectMany(k => Enumerable.Range(k * 100, 20)), list.Order());
    }
}
