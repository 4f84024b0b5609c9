using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Tests;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Chart_TakesTheFileAndImpliesTheSweep()
    {
        BenchOptions options = BenchOptions.Parse(["--compare-python", "--chart", "out/latest.svg"]);

        Assert.Equal("out/latest.svg", options.ChartPath);
        Assert.True(options.Sweep);
        Assert.True(options.ComparePython);
    }

    [Fact]
    public void Default_HasNoSweepAndNoChart()
    {
        BenchOptions options = BenchOptions.Parse([]);

        Assert.False(options.Sweep);
        Assert.Null(options.ChartPath);
        Assert.Null(options.ChartFrom);
    }

    [Theory]
    [InlineData("--chart")]
    [InlineData("--chart", "--quick")]
    [InlineData("--chart-from", "x.jsonl")]
    [InlineData("--chart-from")]
    public void MissingChartValues_AreUsageErrors(params string[] args) =>
        Assert.Throws<UsageException>(() => BenchOptions.Parse(args));
}
