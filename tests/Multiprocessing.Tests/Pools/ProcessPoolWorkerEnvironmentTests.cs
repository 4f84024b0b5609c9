using Multiprocessing.Pools;

namespace Multiprocessing.Tests.Pools;

/// <summary><see cref="ProcessPoolOptions.WorkerEnvironment"/>: what every worker process of a pool finds in its environment.</summary>
public sealed class ProcessPoolWorkerEnvironmentTests
{
    [Fact]
    public void EveryWorker_AndEveryReplacement_GetsTheVariables_AsTheyWereWhenThePoolWasCreated()
    {
        string name = "MP_TEST_WORKER_ENV_" + Guid.NewGuid().ToString("N");
        var variables = new Dictionary<string, string?> { [name] = "set for the workers", ["HOME"] = null };

        // MaxTasksPerWorker = 1: each task, one after the other, runs in a new worker, the later ones started after the change below.
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, MaxTasksPerWorker = 1, WorkerEnvironment = variables });
        variables[name] = "changed after the pool was created";
        (int Pid, string? Value, string? Home)[] seen = [.. Enumerable.Range(0, 3).Select(_ => pool.Apply(
            static (string n) => (Environment.ProcessId, Environment.GetEnvironmentVariable(n), Environment.GetEnvironmentVariable("HOME")),
            name))];

        Assert.Equal(3, seen.Select(s => s.Pid).Distinct().Count());
        Assert.All(seen, s => Assert.Equal("set for the workers", s.Value));
        Assert.All(seen, s => Assert.Null(s.Home));
        Assert.Null(Environment.GetEnvironmentVariable(name)); // This process's environment is left alone.
    }

    [Fact]
    public void TheWorkersRuntime_ReadsItsSettingsFromThem()
    {
        // DOTNET_gcServer=1 starts the worker's runtime with the server GC, which this test process does not use.
        Assert.False(System.Runtime.GCSettings.IsServerGC);
        using var pool = new ProcessPool(new ProcessPoolOptions
        {
            WorkerCount = 1,
            WorkerEnvironment = new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" },
        });

        Assert.True(pool.Apply(static () => System.Runtime.GCSettings.IsServerGC));
    }

    [Fact]
    public void ByDefault_WorkersTierUpAtOnce_WithoutTheInstrumentedTier()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        (string? delay, string? pgo) = pool.Apply(static () => (
            Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs"), Environment.GetEnvironmentVariable("DOTNET_TieredPGO")));

        // A setting this process makes itself is its workers' too (they inherit it); else the pool sets it.
        Assert.Equal(WorkerEnvironment.ConfiguredHere("TC_CallCountingDelayMs") ? Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") : "0", delay);
        Assert.Equal(WorkerEnvironment.ConfiguredHere("TieredPGO") ? Environment.GetEnvironmentVariable("DOTNET_TieredPGO") : "0", pgo);
    }

    [Fact]
    public void TheDefault_NamedInTheOptions_UnderEitherPrefix_IsNotSet()
    {
        using var legacy = new ProcessPool(new ProcessPoolOptions
        {
            WorkerCount = 1,
            WorkerEnvironment = new Dictionary<string, string?> { ["COMPlus_TC_CallCountingDelayMs"] = "50" },
        });
        using var removed = new ProcessPool(new ProcessPoolOptions
        {
            WorkerCount = 1,
            WorkerEnvironment = new Dictionary<string, string?> { ["DOTNET_TC_CallCountingDelayMs"] = null },
        });
        static (string? Delay, string? LegacyDelay) Seen() => (
            Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs"), Environment.GetEnvironmentVariable("COMPlus_TC_CallCountingDelayMs"));

        Assert.Equal((Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs"), "50"), legacy.Apply(Seen));
        Assert.Null(removed.Apply(Seen).Delay);
    }

    [Fact]
    public void ForWorkers_SetsTheDefaultsOnlyWhereNeitherThisProcessNorTheOptionsDo()
    {
        Dictionary<string, string?>? none = WorkerEnvironment.ForWorkers(null, "v", static _ => true);
        Dictionary<string, string?>? alone = WorkerEnvironment.ForWorkers(null, "v", static _ => false);
        Dictionary<string, string?>? both = WorkerEnvironment.ForWorkers(new Dictionary<string, string?> { ["X"] = "1" }, "v", static _ => false);
        Dictionary<string, string?>? onlyDelay = WorkerEnvironment.ForWorkers(null, "v", static s => s == "TieredPGO");
        Dictionary<string, string?>? pgoNamed = WorkerEnvironment.ForWorkers(new Dictionary<string, string?> { ["COMPlus_TieredPGO"] = "1" }, "v", static _ => false);

        Assert.Null(none);
        Assert.Equal(new Dictionary<string, string?> { ["DOTNET_TieredPGO"] = "0", ["DOTNET_TC_CallCountingDelayMs"] = "0" }, alone);
        Assert.Equal(new Dictionary<string, string?> { ["DOTNET_TieredPGO"] = "0", ["DOTNET_TC_CallCountingDelayMs"] = "0", ["X"] = "1" }, both);
        Assert.Equal(new Dictionary<string, string?> { ["DOTNET_TC_CallCountingDelayMs"] = "0" }, onlyDelay);
        Assert.Equal(new Dictionary<string, string?> { ["DOTNET_TC_CallCountingDelayMs"] = "0", ["COMPlus_TieredPGO"] = "1" }, pgoNamed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("A=B")]
    [InlineData("NUL\0")]
    public void ANameThatIsNotOne_IsRefusedWhenThePoolIsCreated(string name)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, WorkerEnvironment = new Dictionary<string, string?> { [name] = "x" } }));
        Assert.Equal("options.WorkerEnvironment", e.ParamName);
    }

    [Fact]
    public void AValueHoldingNul_IsRefusedWhenThePoolIsCreated()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            new ProcessPool(new ProcessPoolOptions { WorkerCount = 1, WorkerEnvironment = new Dictionary<string, string?> { ["MP_X"] = "a\0b" } }));
        Assert.Equal("options.WorkerEnvironment", e.ParamName);
    }
}
