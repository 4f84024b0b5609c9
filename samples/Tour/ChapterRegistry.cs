using Tour.Chapters;

namespace Tour;

/// <summary>Every chapter of the tour, in the seed's order. Adding a chapter: one file in Chapters/, one line here.</summary>
internal static class ChapterRegistry
{
    public static IReadOnlyList<IChapter> All { get; } =
    [
        new ProcessBasics(),
        new ProcessDownload(),
        new ProcessGlobals(),
        new ListenerClient(),
        new ProcessArray(),
        new ProcessManager(),
        new ManagerObjects(),
        new ManagerCustom(),
        new ProcessQueue(),
        new PipeEcho(),
        new ProcessLock(),
        new ProcessSync(),
        new ProcessPoolChapter(),
        new Signals(),
        new ThreadBasics(),
        new ThreadJoin(),
        new CustomThread(),
        new ThreadRace(),
        new BoundedSemaphore(),
        new EventTrafficLight(),
        new Condition(),
        new TimerChapter(),
        new WithLock(),
        new ThreadPoolSimple(),
        new ThreadPoolChapter(),
        new CpuVsIo(),
        new MetricsChapter(),
        new DashboardChapter(),
        new Cluster(),
    ];
}
