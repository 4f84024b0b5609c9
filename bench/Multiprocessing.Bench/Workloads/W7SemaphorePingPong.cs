using System.Diagnostics;
using System.Text.Json.Nodes;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W7 semaphore_pingpong, as CPython's: two <c>SharedSemaphore.Create(0)</c>; the child does rounds + 1 ×
/// <c>s1.Acquire(); s2.Release()</c>; the parent does one untimed warm-up round, then rounds timed ×
/// <c>s1.Release(); s2.Acquire()</c>. <c>handoff</c>: µs per handoff, elapsed / (2 · rounds).
/// </summary>
internal sealed class W7SemaphorePingPong : IWorkload
{
    /// <summary>How long the untimed warm-up round may take (it includes the child's start) before the run fails.</summary>
    private static readonly TimeSpan WarmupTimeout = TimeSpan.FromSeconds(60);

    public void Run(WorkloadContext context)
    {
        int rounds = context.Size(20_000);
        using SharedSemaphore s1 = SharedSemaphore.Create(0);
        using SharedSemaphore s2 = SharedSemaphore.Create(0);
        using ChildProcess child = ChildProcess.Start(Partner, s1, s2, rounds + 1);

        s1.Release();
        if (!s2.TryAcquire(WarmupTimeout))
        {
            throw new BenchException($"the warm-up round did not come back within {WarmupTimeout.TotalSeconds} s; child {child}, exit code {child.ExitCode?.ToString() ?? "none (running)"}: {child.Exception}");
        }

        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < rounds; i++)
        {
            s1.Release();
            s2.Acquire();
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        child.Join();
        if (child.ExitCode != 0)
        {
            throw new BenchException($"the semaphore partner exited with {child.ExitCode}: {child.Exception}");
        }

        context.Emit(
            "handoff",
            elapsed.TotalMicroseconds / (2.0 * rounds),
            "us/handoff",
            new JsonObject { ["rounds"] = rounds, ["handoffs"] = 2 * rounds });
    }

    /// <summary>The child: <paramref name="rounds"/> × take from <paramref name="a"/>, give to <paramref name="b"/>.</summary>
    private static void Partner(SharedSemaphore a, SharedSemaphore b, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            a.Acquire();
            b.Release();
        }
    }
}
