using System.Text.RegularExpressions;

namespace Multiprocessing.Tests;

/// <summary>The tour's metrics chapter: a long map's progress bar, and what a MeterListener saw of the pool.</summary>
public partial class TourTests
{
    [Fact]
    public void Tour_MetricsChapter_ShowsProgressAsPlainLines_AndOneTaskDurationPerChunk()
    {
        string chapter = Chapter(tour.Stdout, "metrics");
        Assert.DoesNotContain("\r", chapter, StringComparison.Ordinal); // Redirected: no bar drawn in place.
        Assert.Contains("progress: 200/200\n", chapter, StringComparison.Ordinal);
        Assert.InRange(Regex.Count(chapter, @"^progress: \d+/200$", RegexOptions.Multiline), 1, 5); // The first report, then at most one line a quarter.
        Assert.Contains("sum of the squares: 2646700", chapter, StringComparison.Ordinal);

        // 200 items in chunks of 5: 40 tasks, each measured once, all completed.
        Assert.Contains("multiprocessing.pool.task.duration (s): multiprocessing.task.outcome=completed: 40 measurement(s)", chapter, StringComparison.Ordinal);
        // Observed once, after the map: each state once; nothing pending. (How many workers are idle then depends
        // on whether a recycled one's replacement is ready yet.)
        Assert.Matches(@"multiprocessing\.pool\.worker\.count \(\{worker\}\): multiprocessing\.worker\.state=busy: 1 measurement\(s\), sum \d, multiprocessing\.worker\.state=idle: 1 measurement\(s\), sum \d, multiprocessing\.worker\.state=starting: 1 measurement\(s\)", chapter);
        Assert.Contains("multiprocessing.pool.task.pending ({task}): all: 1 measurement(s), sum 0", chapter, StringComparison.Ordinal);

        // 40 tasks and 10 per worker (never more: tasks sent ahead count): four workers recycled; their replacements,
        // if they had started when the pool was disposed (the last two retire with the map's last tasks), stopped.
        Assert.Matches(@"(?m)^multiprocessing\.pool\.worker\.exits \(\{worker\}\): multiprocessing\.worker\.exit\.reason=recycled: 4 measurement\(s\), sum 4(, multiprocessing\.worker\.exit\.reason=stopped: \d measurement\(s\), sum \d)?$", chapter);
        Assert.Matches(@"multiprocessing\.process\.start\.duration \(s\): all: \d+ measurement\(s\)", chapter);
    }
}
