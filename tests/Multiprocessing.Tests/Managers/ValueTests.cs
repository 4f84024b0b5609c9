using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>A managed value: one value in the manager, read and written by children.</summary>
public sealed class ValueTests
{
    [Fact]
    public void ValueOperations_ReadWriteExchangeCompareExchange()
    {
        using Manager manager = Manager.Start();
        using ManagedValue<string> v = manager.Value("start");

        Assert.Equal("start", v.Value);
        v.Value = "next";
        Assert.Equal("next", v.Exchange("third"));
        Assert.Equal("third", v.CompareExchange("fourth", "nope"));
        Assert.Equal("third", v.Value);
        Assert.Equal("third", v.CompareExchange("fourth", "third"));
        Assert.Equal("fourth", v.Value);
        RemoteException e = Assert.Throws<RemoteException>(() => v.Increment());
        Assert.Equal(typeof(InvalidOperationException).FullName, e.RemoteType);

        using ManagedValue<int> named = manager.Value("counter", 5);
        using ManagedValue<int> again = manager.Value("counter", 99);
        Assert.Equal(5, again.Value);
    }

    [Fact]
    public void TwoChildrenIncrement_TotalIsExact()
    {
        using Manager manager = Manager.Start();
        using ManagedValue<long> total = manager.Value(0L);

        using ChildProcess a = ChildProcess.Start(AddFiveHundred, total);
        using ChildProcess b = ChildProcess.Start(AddFiveHundred, total);
        a.JoinOrFail();
        b.JoinOrFail();

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        Assert.Equal(1000, total.Value);
    }

    private static void AddFiveHundred(ManagedValue<long> total)
    {
        for (int i = 0; i < 500; i++)
        {
            total.Increment();
        }
    }
}
