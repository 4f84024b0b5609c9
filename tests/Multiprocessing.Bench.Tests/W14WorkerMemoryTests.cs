using Multiprocessing.Bench.Compare;
using Multiprocessing.Bench.Core;
using Multiprocessing.Bench.Workloads;

namespace Multiprocessing.Bench.Tests;

public sealed class W14WorkerMemoryTests
{
    [Theory]
    [InlineData("rss_idle", "rss_idle")]
    [InlineData("uss_after_map", "uss_after_map")]
    [InlineData("map_small", "map_small")]
    [InlineData("dotnet_hello_rss", "python_hello_rss")]
    public void PythonMetricsFor_APlainMetric_IsTheScriptsCounterpart(string metric, string python)
    {
        Assert.Equal([python], new W14WorkerMemory().PythonMetricsFor(metric));
    }

    [Theory]
    [InlineData("uss_after_render")]
    [InlineData("render_warm")]
    [InlineData("map_chunk1")]
    [InlineData("rss_idle_gen0_4m")]
    [InlineData("uss_after_map_gen0_4m")]
    [InlineData("map_small_gen0_4m")]
    public void PythonMetricsFor_ARenderOrAVariant_HasNoCounterpart(string metric)
    {
        Assert.Empty(new W14WorkerMemory().PythonMetricsFor(metric));
    }

    [Fact]
    public void Catalog_HasW14AfterW13_AsAWorkloadTheScriptHas()
    {
        IReadOnlyList<WorkloadSpec> all = WorkloadCatalog.All;
        int w13 = all.ToList().FindIndex(s => s.Id == "w13");

        Assert.Equal("w14 worker_memory", all[w13 + 1].ToString());
        Assert.True(all[w13 + 1].InPython);
    }

    [Fact]
    public void Units_MemoryIsBetterLower_ThroughputHigher()
    {
        Assert.Equal(Better.Lower, Units.Direction("MB"));
        Assert.Equal(Better.Lower, Units.Direction("MiB"));
        Assert.Equal(Better.Higher, Units.Direction("MB/s"));
    }
}
