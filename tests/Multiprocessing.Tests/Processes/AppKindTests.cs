using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// Children start from every kind of parent application: <c>dotnet app.dll</c>, the apphost, a published
/// framework-dependent app, a self-contained app, a single-file app (through RunWorkerIfRequested), and this test
/// host (every other test). Publishing is slow, so these share one class and run one after the other.
/// </summary>
public class AppKindTests
{
    private const string Expected = "result 42 from ChildProcess-1";

    [Fact]
    public void Parent_RunWithDotnet_StartsChildren()
    {
        (int code, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, [Path.Combine(TestApp.OutputDir, "Multiprocessing.TestApp.dll"), "result"]);
        Assert.True(code == 0, stderr);
        Assert.Contains(Expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Parent_RunAsApphost_StartsChildren()
    {
        (int code, string stdout, string stderr) = TestApp.Run(Path.Combine(TestApp.OutputDir, "Multiprocessing.TestApp"), ["result"]);
        Assert.True(code == 0, stderr);
        Assert.Contains(Expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Parent_PublishedFrameworkDependent_StartsChildren()
    {
        string dir = Publish("fd", []);
        (int code, string stdout, string stderr) = TestApp.Run(Path.Combine(dir, "Multiprocessing.TestApp"), ["result"]);
        Assert.True(code == 0, stderr);
        Assert.Contains(Expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Parent_PublishedSelfContained_StartsChildren()
    {
        string dir = Publish("sc", ["-r", "linux-x64", "--self-contained", "true"]);
        (int code, string stdout, string stderr) = TestApp.Run(Path.Combine(dir, "Multiprocessing.TestApp"), ["result"]);
        Assert.True(code == 0, stderr);
        Assert.Contains(Expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Parent_SingleFile_StartsChildrenThroughWorkerEntry_AndWithoutItFailsClearly()
    {
        string dir = Publish("sf", ["-r", "linux-x64", "--self-contained", "false", "-p:PublishSingleFile=true"]);
        string exe = Path.Combine(dir, "Multiprocessing.TestApp");

        (int code, string stdout, string stderr) = TestApp.Run(exe, ["result"]);
        Assert.True(code == 0, stderr);
        Assert.Contains(Expected, stdout, StringComparison.Ordinal);

        (code, stdout, _) = TestApp.Run(exe, ["result"], new Dictionary<string, string> { ["TESTAPP_NO_WORKER_ENTRY"] = "1" });
        Assert.Equal(3, code);
        Assert.Contains("unsupported:", stdout, StringComparison.Ordinal);
        Assert.Contains("RunWorkerIfRequested", stdout, StringComparison.Ordinal);
    }

    private static string Publish(string kind, string[] extra)
    {
        string output = Path.Combine(Path.GetTempPath(), $"mpnet-testapp-{kind}-{Guid.NewGuid():N}");
        (int code, string stdout, string stderr) = TestApp.Run(
            TestApp.Dotnet,
            ["publish", TestApp.ProjectDir, "-c", TestApp.Configuration, "-o", output, "-nologo", .. extra]);
        Assert.True(code == 0, $"dotnet publish failed:{Environment.NewLine}{stdout}{stderr}");
        return output;
    }
}
