namespace Multiprocessing.Tests.Processes;

/// <summary>With warm spares, children start from workers started ahead of time and behave exactly like cold ones.</summary>
[Collection(nameof(WarmSpareTests))]
[CollectionDefinition(nameof(WarmSpareTests), DisableParallelization = true)]
public class WarmSpareTests
{
    [Fact]
    public async Task Start_WithWarmSpares_RunsEachTargetInItsOwnProcess()
    {
        ChildProcess.WarmSpares = 1;
        try
        {
            var pids = new HashSet<int>();
            int takenBefore = Multiprocessing.Processes.SparePool.Taken;
            for (int i = 0; i < 4; i++)
            {
                await Multiprocessing.Processes.SparePool.WhenStocked().WaitAsync(TimeSpan.FromSeconds(30));
                int captured = i;
                await using ChildProcess<(int, string, int)> child = ChildProcess.Start(() => (captured * 10, CurrentProcess.Name, Environment.ProcessId));
                (int value, string name, int pid) = await child.ResultAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(i * 10, value);
                Assert.Equal(child.Name, name);
                Assert.Equal(child.Pid, pid);
                Assert.Equal(0, child.ExitCode);
                Assert.True(pids.Add(pid), "a spare ran two targets");
            }

            Assert.Equal(takenBefore + 4, Multiprocessing.Processes.SparePool.Taken);

            await using ChildProcess failing = ChildProcess.Start(() => throw new InvalidOperationException("from a spare"));
            await failing.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, failing.ExitCode);
            Assert.Equal("from a spare", Assert.IsType<RemoteException>(failing.Exception).RemoteMessage);
        }
        finally
        {
            ChildProcess.WarmSpares = 0;
        }
    }

    [Fact]
    public async Task APoolCreatedWithWarmSpares_AndNoWorkerEnvironment_TakesItsWorkersFromTheSpares()
    {
        // Its runtime defaults (WorkerEnvironment) would give each worker an environment of its own, which a spare
        // cannot serve: the pool keeps the spares, and their settings, as before those defaults.
        ChildProcess.WarmSpares = 1;
        try
        {
            await Multiprocessing.Processes.SparePool.WhenStocked().WaitAsync(TimeSpan.FromSeconds(30));
            int takenBefore = Multiprocessing.Processes.SparePool.Taken;
            using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
            string? pgo = await pool.ApplyAsync(static () => Environment.GetEnvironmentVariable("DOTNET_TieredPGO")).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(takenBefore + 1, Multiprocessing.Processes.SparePool.Taken);
            Assert.Equal(Environment.GetEnvironmentVariable("DOTNET_TieredPGO"), pgo);
        }
        finally
        {
            ChildProcess.WarmSpares = 0;
        }
    }

    [Fact]
    public void WarmSpares_Negative_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChildProcess.WarmSpares = -1);
}
