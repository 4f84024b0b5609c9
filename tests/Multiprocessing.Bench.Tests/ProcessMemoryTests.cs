using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Tests;

public sealed class ProcessMemoryTests
{
    /// <summary>A real <c>/proc/self/smaps_rollup</c> (Linux 6.x), whose <c>Pss_*</c> lines must not be taken for <c>Pss</c>.</summary>
    private const string SmapsRollup = """
        561180079000-7ffea7690000 ---p 00000000 00:00 0                          [rollup]
        Rss:                1668 kB
        Pss:                 279 kB
        Pss_Dirty:           112 kB
        Pss_Anon:            112 kB
        Pss_File:            167 kB
        Pss_Shmem:             0 kB
        Shared_Clean:       1520 kB
        Shared_Dirty:          0 kB
        Private_Clean:        36 kB
        Private_Dirty:       112 kB
        Referenced:         1668 kB
        Anonymous:           112 kB
        Swap:                  0 kB
        """;

    [Fact]
    public void Parse_TakesRssPssAndThePrivatePagesAsUss_InMb()
    {
        ProcessMemory memory = ProcessMemory.Parse(SmapsRollup);

        Assert.Equal(1668 / 1024.0, memory.RssMb);
        Assert.Equal(279 / 1024.0, memory.PssMb);
        Assert.Equal((36 + 112) / 1024.0, memory.UssMb);
    }

    [Fact]
    public void Parse_WithoutAField_ThrowsNamingIt()
    {
        string withoutDirty = SmapsRollup.Replace("Private_Dirty:       112 kB", string.Empty, StringComparison.Ordinal);

        BenchException e = Assert.Throws<BenchException>(() => ProcessMemory.Parse(withoutDirty));

        Assert.Contains("Private_Dirty:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VmHWM:\t   25692 kB")]
    [InlineData("VmHWM:   25692 kB\r")]
    public void Kilobytes_ReadsAStatusLine(string line)
    {
        string status = $"Name:\tdotnet\nVmPeak:\t 3000000 kB\n{line}\nVmRSS:\t   25000 kB\n";

        Assert.Equal(25692, ProcessMemory.Kilobytes(status, "VmHWM"));
    }

    [Theory]
    [InlineData("VmHWM:   25692 MB")]
    [InlineData("VmHWM:   many kB")]
    [InlineData("VmHWM:")]
    public void Kilobytes_OfALineThatIsNotKilobytes_Throws(string line)
    {
        BenchException e = Assert.Throws<BenchException>(() => ProcessMemory.Kilobytes("Name:\tdotnet\n" + line, "VmHWM"));

        Assert.Contains(line.Trim(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mean_AveragesEachFigure()
    {
        ProcessMemory mean = ProcessMemory.Mean([new ProcessMemory(40, 10, 8), new ProcessMemory(50, 20, 10)]);

        Assert.Equal(new ProcessMemory(45, 15, 9), mean);
        Assert.Throws<ArgumentException>(() => ProcessMemory.Mean([]));
    }

    [Fact]
    public void Of_ThisProcess_ReadsItsMemoryOnLinux_AndThrowsElsewhere()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Throws<BenchException>(() => ProcessMemory.Of(Environment.ProcessId));
            return;
        }

        ProcessMemory memory = ProcessMemory.Of(Environment.ProcessId);

        // A running .NET test host has megabytes of private pages, and shares some (the runtime's libraries) with others.
        Assert.True(memory.UssMb > 1, $"uss {memory.UssMb} MB");
        Assert.True(memory.UssMb <= memory.PssMb && memory.PssMb <= memory.RssMb, memory.ToString());
    }

    [Fact]
    public void Of_AProcessThatIsNotThere_ThrowsNamingTheFile()
    {
        BenchException e = Assert.Throws<BenchException>(() => ProcessMemory.Of(int.MaxValue));

        Assert.Contains($"/proc/{int.MaxValue}/smaps_rollup", e.Message, StringComparison.Ordinal);
    }
}
