using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Multiprocessing.Interop;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Hosting;

/// <summary>
/// The sample generic-host app (samples/HostedPool) as a process of its own: configured through the environment, it
/// maps on its pool, stops (by itself, or on SIGTERM with a task still running) in under 10 s, and leaves no worker.
/// </summary>
public partial class HostedPoolSampleTests
{
    /// <summary>The issue's bar: a host with a process pool stops in under this, worker processes included.</summary>
    private static readonly TimeSpan StopBar = TimeSpan.FromSeconds(10);

    private static string SampleDll => Path.Combine(TestApp.RepoRoot, "samples", "HostedPool", "bin", TestApp.Configuration, "net10.0", "HostedPool.dll");

    [Fact]
    public void Sample_TakesItsWorkerCountFromTheEnvironment_Maps_StopsByItself_AndLeavesNoWorker()
    {
        (int code, string stdout, string stderr) = TestApp.Run(
            TestApp.Dotnet,
            [SampleDll],
            new Dictionary<string, string> { ["Multiprocessing__Pools__render__WorkerCount"] = "2" });

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("render: ProcessPool('render', workers=2)", stdout, StringComparison.Ordinal); // appsettings.json says 3
        Assert.Contains("frames: 0, 3003, 6000, 8998, 11997, 14997, 17998, 21000, 24003, 27000", stdout, StringComparison.Ordinal);
        Assert.Contains("health: Healthy", stdout, StringComparison.Ordinal);
        Assert.Contains("host stopped", stdout, StringComparison.Ordinal);
        int[] workers = WorkerPids(stdout);
        Assert.Equal(2, workers.Length);
        Assert.DoesNotContain(workers, IsSampleProcess);
    }

    [Fact]
    public void Sample_OnSigterm_DrainsUntilTheShutdownTimeout_ThenKillsTheBusyWorker_InUnder10Seconds()
    {
        using Process host = TestApp.Start(
            TestApp.Dotnet,
            [SampleDll],
            new Dictionary<string, string>
            {
                ["Multiprocessing__Pools__render__WorkerCount"] = "2",
                ["Sample__WaitForStop"] = "true",
                ["Sample__BusySeconds"] = "45", // outlives the shutdown timeout, within the sample's task timeout (1 min)
                ["shutdownTimeoutSeconds"] = "1",
            });
        Dictionary<int, ProcessWatch> watches = [];
        try
        {
            var stdout = new System.Text.StringBuilder();
            string? line;
            while ((line = ReadLine(host)) is not null && !line.StartsWith("ready:", StringComparison.Ordinal))
            {
                stdout.AppendLine(line);
            }

            Assert.True(line is not null, "the sample ended before it was ready: " + stdout);
            int[] workers = WorkerPids(stdout.ToString());
            HashSet<int> below = ProcessTree.Descendants(host.Id);
            Assert.Superset(workers.ToHashSet(), below);
            watches = below.ToDictionary(pid => pid, TestApp.Watch); // opened while they are surely the sample's

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, Libc.Kill(host.Id, Libc.SIGTERM));
            Assert.True(host.WaitForExit(Within.Deadline), "the sample did not stop after SIGTERM");
            TimeSpan stopped = clock.Elapsed;
            string rest = host.StandardOutput.ReadToEnd();

            Assert.True(host.ExitCode == 0, rest + host.StandardError.ReadToEnd());
            Assert.Contains("Pool render closing: waiting for 1 running", rest, StringComparison.Ordinal);
            Assert.Contains("terminating it", rest, StringComparison.Ordinal);
            Assert.Contains("host stopped", rest, StringComparison.Ordinal);
            Assert.True(stopped < StopBar, $"the sample took {stopped.TotalSeconds:F1} s to stop");

            // The workers were gone before the host exited (it waited for them); its other children (the resource
            // tracker, a warm spare) see it gone and follow.
            Assert.All(workers, w => Assert.True(watches[w].WaitForExit(TimeSpan.Zero), $"worker {w} outlived the host"));
            Assert.All(watches, w => Assert.True(w.Value.WaitForExit(Within.Deadline), $"process {w.Key} of the sample is still running"));
        }
        finally
        {
            foreach (ProcessWatch w in watches.Values)
            {
                w.Dispose();
            }

            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }
        }
    }

    private static string? ReadLine(Process p)
    {
        Task<string?> line = p.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TestApp.Patience), "the sample printed nothing for 30 s");
        return line.Result;
    }

    private static int[] WorkerPids(string stdout)
    {
        Match m = WorkerPidsLine().Match(stdout);
        Assert.True(m.Success, stdout);
        return [.. m.Groups[1].Value.Split(' ').Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
    }

    /// <summary>True if <paramref name="pid"/> is (still) a process of the sample app: a pid reused since by another program does not count.</summary>
    private static bool IsSampleProcess(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("HostedPool", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // gone
        }
    }

    [GeneratedRegex(@"worker pids ([\d ]+)\r?\n")]
    private static partial Regex WorkerPidsLine();
}
