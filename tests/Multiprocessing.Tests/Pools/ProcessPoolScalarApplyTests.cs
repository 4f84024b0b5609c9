namespace Multiprocessing.Tests.Pools;

/// <summary>
/// A single call of a function of one scalar to a scalar runs in the worker without the codec's general path (the
/// scalar runner, as a map over scalars does): every scalar kind and its edge values come back as they went, and the
/// function's exception as the general path reports it.
/// </summary>
public sealed class ProcessPoolScalarApplyTests
{
    [Fact]
    public void ScalarFunctions_OfEveryKind_ReturnTheirValues_AtTheEdgesToo()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        foreach (int x in new[] { 0, 1, 127, 128, 255, 256, -1, -32, -33, -129, int.MaxValue, int.MinValue })
        {
            Assert.Equal((long)x * 3, pool.Apply(static (int v) => (long)v * 3, x));
        }

        foreach (long x in new[] { 0L, 65_536L, -2_147_483_649L, long.MaxValue, long.MinValue })
        {
            Assert.Equal(x / 2, pool.Apply(static (long v) => v / 2, x));
        }

        Assert.Equal(0.5, pool.Apply(static (double v) => v / 2, 1.0));
        Assert.True(double.IsNaN(pool.Apply(static (double v) => v * 0, double.PositiveInfinity)));
        Assert.True(pool.Apply(static (double v) => v < 0, -0.1));
        Assert.Equal(7, pool.Apply(static (bool b) => b ? 7 : 8, true));
        Assert.Equal(8, pool.Apply(static (bool b) => b ? 7 : 8, false));
    }

    [Fact]
    public void AScalarFunctionThatThrows_FailsWithItsExceptionFromTheWorker()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        var e = Assert.Throws<RemoteException>(() => pool.Apply(static (int v) => v < 0 ? throw new ArgumentOutOfRangeException(nameof(v), "negative") : v, -5));
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, e.RemoteType);
        Assert.Contains("negative", e.Message);
        Assert.Equal(5, pool.Apply(static (int v) => v, 5)); // the worker goes on
    }
}
