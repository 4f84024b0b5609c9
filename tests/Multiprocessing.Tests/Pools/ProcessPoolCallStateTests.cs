namespace Multiprocessing.Tests.Pools;

/// <summary>
/// A process pool copies what a task's delegate holds at each call, as Python pickles the function at each submit:
/// a closure shared by the turns of a <c>for</c> loop, a local changed between submits, an object whose field changed.
/// </summary>
public sealed class ProcessPoolCallStateTests
{
    [Fact]
    public void AForLoopsLambda_SeesEachTurnsValue()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        var results = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            results.Add(pool.Apply(() => (long)i * i)); // one closure object for every turn; its i changes
        }

        Assert.Equal([0L, 1, 4, 9, 16], results);
    }

    [Fact]
    public async Task ALocalChangedBetweenSubmits_EachTaskGetsTheValueItWasSubmittedWith()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        string word = "first";
        Task<string> a = pool.Submit(() => word);
        word = "second";
        Task<string> b = pool.Submit(() => word);

        Assert.Equal(["first", "second"], await Task.WhenAll(a, b));
    }

    [Fact]
    public void AnInstanceMethod_SeesItsObjectAsItWasAtEachCall()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        var scaler = new Scaler { Factor = 2 };
        int first = pool.Apply(scaler.Scale, 10);
        scaler.Factor = 3;
        int second = pool.Apply(scaler.Scale, 10);

        Assert.Equal((20, 30), (first, second));
    }

    [Fact]
    public void AStaticLambda_CalledManyTimes_GivesEveryResult()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        int[] results = [.. Enumerable.Range(0, 50).Select(x => pool.Apply(static (int v) => v + 1, x))];
        Assert.Equal(Enumerable.Range(1, 50), results);
    }

    public sealed class Scaler
    {
        public int Factor { get; set; }

        public int Scale(int value) => value * Factor;
    }
}
