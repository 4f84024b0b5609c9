using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed array: fixed-length elements held as bytes in the manager.</summary>
public sealed class ArrayTests
{
    [Fact]
    public void AChildFillsTheArray_TheParentReadsItsValues()
    {
        using Manager manager = Manager.Start();
        using ManagedArray<int> a = manager.Array<int>(10);
        Assert.Equal(10, a.Length);
        Assert.Equal(new int[10], a.ToArray());

        using (ChildProcess child = ChildProcess.Start(static (ManagedArray<int> arr) =>
        {
            for (int i = 0; i < arr.Length; i++)
            {
                arr[i] = i * i;
            }
        }, a))
        {
            child.JoinOrFail();
            Assert.Equal(0, child.ExitCode);
        }

        int[] expected = [.. Enumerable.Range(0, 10).Select(i => i * i)];
        Assert.Equal(expected, a.ToArray());
        Assert.Equal(expected, a); // enumeration
        Assert.Equal(81, a[9]);
        Assert.Equal(4, a.IndexOf(16));
        Assert.DoesNotContain(2, a);
        int[] copy = new int[12];
        a.CopyTo(copy, 2);
        Assert.Equal(expected, copy[2..]);
    }

    [Fact]
    public void InitialValues_ReachTheChild_AndItsWritesComeBack()
    {
        using Manager manager = Manager.Start();
        double[] initial = [1.5, 2.5, 3.0];
        using ManagedArray<double> a = manager.Array(initial);

        using ChildProcess<double> child = ChildProcess.Start(static (ManagedArray<double> arr) =>
        {
            double sum = arr.Sum();
            arr.CopyFrom(new[] { -1.0, -2.0 }, 1);
            return sum;
        }, a);

        Assert.Equal(7.0, child.ResultOrFail());
        Assert.Equal([1.5, -1.0, -2.0], a.ToArray());
    }

    [Fact]
    public void OutOfRange_ThrowsInTheCaller_WithTheIndexAndLength_AndTheLengthIsFixed()
    {
        using Manager manager = Manager.Start();
        using ManagedArray<long> a = manager.Array<long>(3);

        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => a[3]);
        Assert.Equal(3, e.ActualValue);
        Assert.Contains("length 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[-1] = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.CopyFrom(new long[] { 1, 2 }, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Increment(5));

        IList<long> list = a;
        Assert.Throws<NotSupportedException>(() => list.Add(1));
        Assert.Throws<NotSupportedException>(() => list.Insert(0, 1));
        Assert.Throws<NotSupportedException>(() => list.RemoveAt(0));
        Assert.Throws<NotSupportedException>(list.Clear);
        Assert.Equal(3, list.Count);
    }

    [Fact]
    public void IncrementFromTwoChildren_LosesNoUpdate()
    {
        using Manager manager = Manager.Start();
        using ManagedArray<int> a = manager.Array<int>(2);

        using ChildProcess x = ChildProcess.Start(AddMany, a);
        using ChildProcess y = ChildProcess.Start(AddMany, a);
        x.JoinOrFail();
        y.JoinOrFail();

        Assert.Equal([400, -400], a.ToArray());
        Assert.Equal(401, a.Increment(0));
        using ManagedArray<double> d = manager.Array<double>(1);
        Assert.Throws<NotSupportedException>(() => d.Increment(0));
    }

    [Fact]
    public void ANamedArray_IsFoundByName_AndRefusesAnotherElementSize()
    {
        using Manager manager = Manager.Start();
        int[] initial = [7, 8];
        using ManagedArray<int> a = manager.Array(initial, name: "shared");
        using ManagedArray<int> again = manager.Array<int>(5, name: "shared");

        Assert.Equal(2, again.Length); // the existing one, not a new length
        Assert.Equal([7, 8], again.ToArray());
        Assert.Throws<InvalidOperationException>(() => manager.Array<long>(2, name: "shared"));
    }

    private static void AddMany(ManagedArray<int> a)
    {
        for (int i = 0; i < 200; i++)
        {
            a.Increment(0);
            a.Increment(1, -1);
        }
    }
}
