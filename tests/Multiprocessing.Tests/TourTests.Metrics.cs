using System.Text.RegularExpressions;

namespace Multiprocessing.Tests;

/// <summary>The tour's metrics chapter: a long map's progress bar, and what a MeterListener saw of the pool.</summary>
public partial class TourTests
{
    [Fact]
    public void Tour_MetricsChapter_ShowsProgressAsPlainLines_AndOneTaskDurationPerChunk()
    {
        (int code, string stdout, string stderr) = Support.TestApp.Run(Support.TestApp.Dotnet, [TourDll, "metrics"]);
        Assert.True(code == 0, stderr);

        string chapter = Chapter(stdout, "metrics");
        Assert.DoesNotContain("\r", chapter, StringComparison.Ordinal); // Redirected: no bar drawn in place.
        Assert.Contains("progress: 200/200\n", chapter, StringComparison.Ordinal);
        Assert.InRange(Regex.Count(chapter, @"^progress: \d+/200$", RegexOptions.Multiline), 1, 4); // At most one line a quarter.
        Assert.Contains("sum of the squares: 2646700", chapter, StringComparison.Ordinal);

        // 200 items in chunks of 5: 40 tasks, each measured once, all completed.
        Assert.Contains("multiprocessing.pool.task.duration (s): multiprocessing.task.outcome=completed: 40 measurement(s)", chapter, StringComparison.Ordinal);
        Assert.Matches(@"multiprocessing\.pool\.worker\.count \(\{worker\}\): .*multiprocessing\.worker\.state=idle: 1 measurement\(s\), sum 2", chapter);
        Assert.Matches(@"multiprocessing\.pool\.task\.pending \(\{task\}\): all: 1 measurement\(s\), sum 0", chapter);
        Assert.Matches(@"multiprocessing\.pool\.worker\.exits \(\{worker\}\): .*multiprocessing\.worker\.exit\.reason=stopped: 2 measurement\(s\), sum 2", chapter);
        Assert.Matches(@"multiprocessing\.process\.start\.duration \(s\): all: \d+ measurement\(s\)", chapter);
    }
}
