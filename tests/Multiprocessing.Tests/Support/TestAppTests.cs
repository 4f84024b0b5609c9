using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Multiprocessing.Tests.Support;

/// <summary>The test helpers' own contract: a run watched for silence fails on silence, not on its total time.</summary>
public class TestAppTests
{
    /// <summary>Sixteen lines, half a second apart: eight seconds in all, never five seconds silent.</summary>
    private static readonly string[] TalksForEightSeconds = ["-c", "for i in $(seq 1 16); do echo line $i; sleep 0.5; done"];

    [Fact]
    public void RunWhileItTalks_LetsAProgramRunLongerThanTheSilenceBound_WhileItKeepsPrinting()
    {
        (int code, string stdout, _) = TestApp.RunWhileItTalks("/bin/sh", TalksForEightSeconds, TimeSpan.FromSeconds(5));

        Assert.Equal(0, code);
        Assert.Equal(16, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("line 16\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BoundsTheSilence_NotTheTotalTime()
    {
        // Run bounded `dotnet publish` by its total time (two minutes, which it ran past at load 25).
        (int code, string stdout, _) = TestApp.Run("/bin/sh", TalksForEightSeconds, silence: TimeSpan.FromSeconds(5));

        Assert.Equal(0, code);
        Assert.EndsWith("line 16\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void RunWhileItTalks_LetsASilentProgramRun_WhileAProcessItStartedWorks()
    {
        // As a build whose compiler prints nothing until it ends: silent for six seconds, a child busy all along.
        (int code, string stdout, _) = TestApp.RunWhileItTalks(
            "/bin/sh", ["-c", "echo compiling; timeout 6 sh -c 'while :; do :; done'; echo done"], TimeSpan.FromSeconds(3));

        Assert.Equal(0, code);
        Assert.Equal("compiling\ndone\n", stdout);
    }

    [Fact]
    public void RunWhileItTalks_FailsAndKillsAProgramThatFallsSilent()
    {
        // The shell prints its pid, then becomes a minute's sleep (same pid).
        FailException failure = Assert.Throws<FailException>(() =>
            TestApp.RunWhileItTalks("/bin/sh", ["-c", "echo started $$; exec sleep 60"], TimeSpan.FromSeconds(3)));

        Assert.Contains("printed nothing and used no processor time for 3 s", failure.Message, StringComparison.Ordinal);
        Match started = Regex.Match(failure.Message, @"started (\d+)");
        Assert.True(started.Success, failure.Message);
        using ProcessWatch sleeper = TestApp.Watch(int.Parse(started.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(sleeper.WaitForExit(TestApp.Patience), "the silent program was not killed");
    }
}
