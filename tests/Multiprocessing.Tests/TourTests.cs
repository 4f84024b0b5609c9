using System.Globalization;
using System.Text.RegularExpressions;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests;

/// <summary>
/// The whole tour, as the README runs it, run once for every test of <see cref="TourTests"/> that reads a chapter of it.
/// Its time is mostly the seed's own sleeps (the process pool's thirty two-second tasks, the download scripts) and
/// grows with the machine's load, so a hang is told by silence: the run fails when the tour prints nothing for two
/// minutes, not when the whole of it takes longer than some total.
/// </summary>
public sealed class WholeTour
{
    private readonly Lazy<(int Code, string Stdout, string Stderr)> _run =
        new(() => TestApp.RunWhileItTalks(
            TestApp.Dotnet,
            [TourTests.TourDll],
            TestApp.Patience * 4,
            new Dictionary<string, string> { ["TOUR_DASHBOARD_SECONDS"] = "3" })); // the dashboard chapter's own test runs it whole

    /// <summary>The tour's output, once it has ended with exit code 0 (fails the test otherwise).</summary>
    public string Stdout
    {
        get
        {
            (int code, string stdout, string stderr) = _run.Value;
            Assert.True(code == 0, $"the tour exited with {code}: {stderr}");
            return stdout;
        }
    }
}

/// <summary>The tour is the project's main job: it must run, whole and by chapter, and show what the seed shows.</summary>
public partial class TourTests(WholeTour tour) : IClassFixture<WholeTour>
{
    internal static string TourDll => Path.Combine(TestApp.RepoRoot, "samples", "Tour", "bin", TestApp.Configuration, "net10.0", "Tour.dll");

    [Fact]
    public void Tour_RunsEveryChapter_AndShowsTheSeedsResults()
    {
        string stdout = tour.Stdout;

        // 一般用法: five children, each naming itself, the parent and its own pid.
        Assert.Equal(5, ChildLine().Count(stdout));

        // 多进程实战: both scripts' totals (the thread chapters print the same line, so count in this chapter only).
        Assert.Equal(2, Regex.Count(Chapter(stdout, "process-download"), "总共耗费了[0-9.]+秒"));

        // 进程间数据共享: each child has its own list; the parent's stays empty.
        Assert.Equal(5, Regex.Count(stdout, @"lis is: \[[0-4]\]"));
        Assert.Contains("The global list is: []", stdout, StringComparison.Ordinal);

        // 使用 Array 共享数据: an array guarded by a SharedLock given at creation; a lock-free one has no GetLock.
        string array = Chapter(stdout, "process-array");
        Assert.Contains("temp[0] = 501 under the SharedLock given at creation", array, StringComparison.Ordinal);
        Assert.Contains("a lock-free array's GetLock(): The shared array", array, StringComparison.Ordinal);

        // 使用 queues 的 Queue 类: five processes pass the number along; one number is left.
        string queue = Chapter(stdout, "process-queue");
        Assert.Equal(5, Regex.Count(queue, "进程 [0-4] 从队列里获取了一个 [0-4]，然后又向队列里放入了一个 [0-4]"));
        Assert.Matches("left in the queue: [0-4] \\(count now 0\\)", queue);
        Assert.Contains("the queue holds 10000 items (10 MiB, more than its 4 MiB ring); the first is 'item 0', the last 'item 9999'", queue, StringComparison.Ordinal);
        Assert.Contains("received 100 items, sum 5050", queue, StringComparison.Ordinal);
        Assert.Contains("the child took 1, 2, 3, then Get threw QueueShutDownException", queue, StringComparison.Ordinal);

        // 进程池 Pool 类: the thirty tasks ran (and some more before the terminate); a killed worker failed only its task.
        string pool = Chapter(stdout, "process-pool");
        Assert.True(Regex.Count(pool, "正在执行进程  \\d+") >= 30, "the thirty apply_async tasks did not all print");
        Assert.Contains("the killed task failed: ProcessDiedException", pool, StringComparison.Ordinal);
        Assert.Contains("the other ten finished: 1, 4, 9, 16, 25, 36, 49, 64, 81, 100", pool, StringComparison.Ordinal);
        Assert.Contains("workers alive: 2", pool, StringComparison.Ordinal);
        Assert.Matches("the busy task: PoolTerminatedException: The pool ProcessPool-[0-9]+ was terminated by TerminateWorkers\\(\\)", pool);
        Assert.Contains("workers alive after Join: 0", pool, StringComparison.Ordinal);
        Assert.Contains("return n; }) gave 42; Map of an async function gave 1, 2, 3", pool, StringComparison.Ordinal);
        Assert.Contains("the task saw its token cancelled in the worker and stopped", pool, StringComparison.Ordinal);
        Assert.Contains("the same worker (same pid) served the next task", pool, StringComparison.Ordinal);
        Assert.Matches("20 tasks, [12] streams built \\(one per worker that ran a task\\)", pool);

        // 使用场景: both jobs, three ways each, with the right results.
        string scenes = Chapter(stdout, "cpu-vs-io");
        Assert.Equal(2, Regex.Count(scenes, "2 processes +\\d"));
        Assert.DoesNotContain("WRONG RESULT", scenes, StringComparison.Ordinal);

        // 管道: an echo, then a message larger than the pipe.
        string pipe = Chapter(stdout, "pipe");
        Assert.Contains("sent '管道', got back '管道'", pipe, StringComparison.Ordinal);
        Assert.Contains("sent 'pipe', got back 'PIPE'", pipe, StringComparison.Ordinal);
        Assert.Contains("received 10,000,000 bytes through a 64 KiB pipe, all intact; then: 'done'", pipe, StringComparison.Ordinal);
        Assert.Contains("3 children sent 30 messages on 3 pipes; the parent read them all, then saw each pipe end", pipe, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_SignalChapter_ShowsAHandledSignalADefaultActionAndACleanTerminate()
    {
        string chapter = Chapter(tour.Stdout, "signal");
        Assert.Matches(@"ChildProcess-\d+: SIGUSR1 #2, on ", chapter);
        Assert.Matches(@"ChildProcess-\d+: the main thread returns after 2 SIGUSR1 and a SIGHUP", chapter);
        Assert.Matches(@"ChildProcess-\d+ exit code: -12", chapter);
        Assert.Matches(@"ChildProcess-\d+ returned ""told to stop: cleaned up and returned"", exit code 0", chapter);
    }

    [Fact]
    public void Tour_ProcessManager_ShowsTheSeedsTenItems_AnExactCount_AndARefusedKey()
    {
        string chapter = Chapter(tour.Stdout, "process-manager");
        for (int i = 0; i < 10; i++)
        {
            Assert.Contains($"[('num', {100 + i})]", chapter, StringComparison.Ordinal);
        }

        Assert.Contains("dic[\"count\"] = 1000", chapter, StringComparison.Ordinal);
        Assert.Matches("dic\\[\"hello\"\\] = from ChildProcess-\\d+", chapter);
        Assert.Contains("Manager.Connect with the right key: connected", chapter, StringComparison.Ordinal);
        Assert.Contains("Manager.Connect with another key threw AuthenticationException: The auth key did not match", chapter, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_ManagerObjects_ShowsTheConditionBarrierArrayAndJoinableQueue()
    {
        string chapter = Chapter(tour.Stdout, "manager-objects");
        Assert.Contains("consumer got 1\nconsumer got 2\nconsumer got 3\nconsumer got 4\nconsumer got 5\n", chapter.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        MatchCollection passed = Regex.Matches(chapter, @"ChildProcess-\d+ passed with index (\d)");
        Assert.Equal(["0", "1", "2"], passed.Select(m => m.Groups[1].Value).Order());
        Assert.Equal(3, Regex.Count(chapter, @"ChildProcess-\d+ arrives"));
        Assert.True(chapter.LastIndexOf(" arrives", StringComparison.Ordinal) < passed[0].Index, "a party passed the barrier before all had arrived");
        Assert.Matches(@"ChildProcess-\d+: another party was killed while it waited, so Wait threw BrokenBarrierException", chapter);

        Assert.Contains("temp[0] = 501", chapter, StringComparison.Ordinal);
        Assert.Contains("a[:] = [0, 1, 4, 9, 16]", chapter, StringComparison.Ordinal);
        Assert.Contains("all 6 jobs done: [1, 4, 9, 16, 25, 36]", chapter, StringComparison.Ordinal);
        Assert.Contains("counter.value = 200, ns.finished = 2", chapter, StringComparison.Ordinal);
        Assert.Contains("lk.locked() while held: True", chapter, StringComparison.Ordinal);
        Assert.Contains("lk.locked() once released: False", chapter, StringComparison.Ordinal);
        Assert.Contains("RLock acquired twice by the same proxy", chapter, StringComparison.Ordinal);
        Assert.Contains("a third TryAcquire() gives False", chapter, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_ManagerCustom_RunsMathsInTheManager_FromTheParentAndAChild()
    {
        string chapter = Chapter(tour.Stdout, "manager-custom");
        Assert.Matches(@"\n7\r?\n56\r?\n", chapter);
        Assert.Matches(@"in ChildProcess-\d+: maths\.Add\(10, 20\) = 30, maths\.Mul\(6, 7\) = 42", chapter);
        Assert.Contains("the object served 4 calls, in the manager's process: True", chapter, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_ListenerClient_EchoesTheChildsMessages_AndRefusesTheWrongKey()
    {
        string stdout = Chapter(tour.Stdout, "listener-client");

        Assert.Contains("got back #3: echo: bye", stdout, StringComparison.Ordinal);
        Assert.Contains("got back raw bytes: CAFE", stdout, StringComparison.Ordinal);
        Assert.Contains("Receive throws EndOfStreamException", stdout, StringComparison.Ordinal);
        Assert.Contains("Client.Connect threw AuthenticationException: The auth key did not match", stdout, StringComparison.Ordinal);
        Assert.Contains("then listener.Accept() returns", stdout, StringComparison.Ordinal);
        Assert.Contains("which says: hello from the right key", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_ThreadPoolChapters_ShowTheSeedsTwoPools()
    {
        (int code, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, [TourDll, "thread-pool-simple", "thread-pool"]);
        Assert.True(code == 0, stderr);

        // The simple pool: every one of the 100 tasks ran once, on at most 5 threads, started on demand. (Usually 5;
        // fewer when starting a thread takes longer than a task, as on a loaded machine: then a thread is free again
        // before the next task comes, and the pool does not need another.)
        string simple = Chapter(stdout, "thread-pool-simple");
        Assert.Equal(Enumerable.Range(0, 100), Regex.Matches(simple, @"^执行任务 (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order());
        Assert.InRange(Number(simple, @"threads started by the pool: (\d+) "), 1, 5);

        // The better pool: 100 callbacks; before close, every thread it created is alive and idle; terminate drops the rest.
        string pool = Chapter(stdout, "thread-pool");
        Match counts = Regex.Match(pool, @"任务停止之前线程池中有(\d)个线程，空闲的线程有(\d)个！");
        Assert.True(counts.Success, pool);
        Assert.Equal(counts.Groups[1].Value, counts.Groups[2].Value);
        Assert.InRange(int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture), 1, 5);
        Assert.Contains("任务执行完毕，正常退出！", pool, StringComparison.Ordinal);
        Assert.Contains($"callback: 100 × success, 0 × failure; threads created: {counts.Groups[1].Value}", pool, StringComparison.Ordinal);
        Match terminated = Regex.Match(pool, @"callback: (\d+) × success, (\d+) × PoolTerminatedException");
        Assert.True(terminated.Success, pool);
        int succeeded = int.Parse(terminated.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(100, succeeded + int.Parse(terminated.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.InRange(succeeded, 10, 99); // terminated once ten had ended, long before the last
    }

    [Fact]
    public void Tour_WithUnknownChapter_ListsChaptersAndFails()
    {
        (int code, _, string stderr) = TestApp.Run(TestApp.Dotnet, [TourDll, "no-such-chapter"]);
        Assert.Equal(2, code);
        Assert.Contains("process-basics", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_ClusterChapter_LosesNoTaskWhenASiloIsKilled()
    {
        string cluster = Chapter(tour.Stdout, "cluster");
        Match line = Regex.Match(cluster, @"cluster: 3000 tasks, lost 0, wrong 0, recovered in ([0-9.]+) s");
        Assert.True(line.Success, cluster);
        Assert.InRange(double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture), 0, 60); // The issue's bar (5 s) is for a quiet machine.
    }

    private static int Number(string text, string pattern)
    {
        Match m = Regex.Match(text, pattern);
        Assert.True(m.Success, $"no match for {pattern} in: {text}");
        return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string Chapter(string tour, string name)
    {
        int start = tour.IndexOf("== " + name + " ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"chapter {name} did not run");
        int end = tour.IndexOf("\n== ", start + 1, StringComparison.Ordinal);
        return end < 0 ? tour[start..] : tour[start..end];
    }

    [GeneratedRegex(@"这里是: ChildProcess-\d+, 父进程 id: \d+, 当前子进程 id: \d+")]
    private static partial Regex ChildLine();
}
