using System.Diagnostics;
using System.Text.RegularExpressions;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Interop;

/// <summary>
/// The tour's process, lock and queue chapters, published self-contained for linux-arm64, run under qemu-user: the
/// arm64 syscall table at work (a wrong futex number hangs the lock chapter). Runs only where .ci/run has published
/// the tour and registered qemu-aarch64 with binfmt_misc (so that the tour's children, which it starts with
/// posix_spawn, run under qemu too), and says so by setting <see cref="Arm64TourFactAttribute.Variable"/>.
/// </summary>
public sealed partial class Arm64TourTests
{
    /// <summary>A guard against a hang, not a bar: emulated, the three chapters take about a minute (four on a loaded machine).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(20);

    [Arm64TourFact]
    public void Arm64Tour_UnderQemu_RunsTheProcessLockAndQueueChapters()
    {
        string tour = Environment.GetEnvironmentVariable(Arm64TourFactAttribute.Variable)!;
        Assert.True(File.Exists(tour), $"{Arm64TourFactAttribute.Variable} names {tour}, which does not exist");

        using Process p = TestApp.Start(tour, ["process-basics", "process-lock", "process-queue"]);
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"the arm64 tour did not finish in {Limit}: {stdout.Result}");
        }

        string output = stdout.Result;
        Assert.True(p.ExitCode == 0, $"exit code {p.ExitCode}: {stderr.Result}\n{output}");

        // 一般用法: five children, each an arm64 process, naming itself and its parent.
        Assert.Equal(5, ChildLine().Count(output));

        // 进程锁: ten processes count down under the lock, and a lock whose holder was killed is taken over.
        Assert.Matches(@"say hi 0 ", output);
        Assert.Contains("array[0] = 0", output, StringComparison.Ordinal);
        Assert.Contains("WasAbandoned = True, array[0] = -1", output, StringComparison.Ordinal);

        // 队列: five processes pass a number along; an unbounded queue; a loop ended by CompleteAdding.
        Assert.Equal(5, Regex.Count(output, "进程 [0-4] 从队列里获取了一个 [0-4]，然后又向队列里放入了一个 [0-4]"));
        Assert.Contains("the queue holds 10000 items", output, StringComparison.Ordinal);
        Assert.Contains("received 100 items, sum 5050", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"这里是: ChildProcess-\d+, 父进程 id: \d+, 当前子进程 id: \d+")]
    private static partial Regex ChildLine();
}
