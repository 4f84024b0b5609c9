using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Tests;

public sealed class ProcessCpuTests
{
    [Fact]
    public void Ticks_AreUtimePlusStime_CountedFromTheLastParenthesis()
    {
        // A command name with a space and a parenthesis, which would shift the fields if they were counted from the start.
        const string Stat = "4242 (dot) net) S 4241 4242 24743 0 -1 4194304 103 0 0 0 1234 56 7 8 20 0 11 0 6960902 3133440 379";

        Assert.Equal(1234 + 56, ProcessCpu.Ticks(Stat));
    }

    [Theory]
    [InlineData("4242 (dotnet) S 4241 4242")]
    [InlineData("no parenthesis at all")]
    [InlineData("4242 (dotnet) S 4241 4242 24743 0 -1 4194304 103 0 0 0 x 56 7 8")]
    public void Ticks_OfSomethingElse_Throws(string stat)
    {
        Assert.Throws<BenchException>(() => ProcessCpu.Ticks(stat));
    }

    [Fact]
    public void Seconds_OfThisProcess_GrowWithWorkOnLinux_AndThrowElsewhere()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Throws<BenchException>(() => ProcessCpu.Seconds(Environment.ProcessId));
            return;
        }

        // Spins on this thread until the reading grows, for at most 30 s: on a loaded machine a thread may get only a
        // few ticks of a core per second, but it does get them.
        double before = ProcessCpu.Seconds(Environment.ProcessId);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double after = before;
        while (after == before && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            for (long spin = 0; spin < 1_000_000; spin++)
            {
                Thread.SpinWait(1);
            }

            after = ProcessCpu.Seconds(Environment.ProcessId);
        }

        Assert.True(after > before, $"still {before} s after {clock.Elapsed.TotalSeconds:F1} s of spinning");
        Assert.True(after - before <= (clock.Elapsed.TotalSeconds + 1) * Environment.ProcessorCount, $"{after - before} s of processor time in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
