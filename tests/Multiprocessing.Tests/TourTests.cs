using System.Text.RegularExpressions;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests;

/// <summary>The tour is the project's main job: it must run, whole and by chapter, and show what the seed shows.</summary>
public partial class TourTests
{
    private static string TourDll => Path.Combine(TestApp.RepoRoot, "samples", "Tour", "bin", TestApp.Configuration, "net10.0", "Tour.dll");

    [Fact]
    public void Tour_RunsEveryChapter_AndShowsTheSeedsResults()
    {
        (int code, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, [TourDll]);
        Assert.True(code == 0, stderr);

        // 一般用法: five children, each naming itself, the parent and its own pid.
        Assert.Equal(5, ChildLine().Count(stdout));

        // 多进程实战: both scripts' totals (the thread chapters print the same line, so count in this chapter only).
        Assert.Equal(2, Regex.Count(Chapter(stdout, "process-download"), "总共耗费了[0-9.]+秒"));

        // 进程间数据共享: each child has its own list; the parent's stays empty.
        Assert.Equal(5, Regex.Count(stdout, @"lis is: \[[0-4]\]"));
        Assert.Contains("The global list is: []", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_ListenerClient_EchoesTheChildsMessages_AndRefusesTheWrongKey()
    {
        (int code, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, [TourDll, "listener-client"]);
        Assert.True(code == 0, stderr);

        Assert.Contains("got back #3: echo: bye", stdout, StringComparison.Ordinal);
        Assert.Contains("got back raw bytes: CAFE", stdout, StringComparison.Ordinal);
        Assert.Contains("Receive throws EndOfStreamException", stdout, StringComparison.Ordinal);
        Assert.Contains("listener.Accept() threw AuthenticationException: The auth key did not match", stdout, StringComparison.Ordinal);
        Assert.Contains("Client.Connect threw AuthenticationException: The auth key did not match", stdout, StringComparison.Ordinal);
        Assert.Contains("which says: hello from the right key", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_WithUnknownChapter_ListsChaptersAndFails()
    {
        (int code, _, string stderr) = TestApp.Run(TestApp.Dotnet, [TourDll, "no-such-chapter"]);
        Assert.Equal(2, code);
        Assert.Contains("process-basics", stderr, StringComparison.Ordinal);
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
