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
