using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>A child that does not load the parent's build refuses to run the target and reports VersionMismatchException.</summary>
public sealed class VersionMismatchTests : IDisposable
{
    private const string MvidOverride = "MULTIPROCESSING_TEST_MVID_OVERRIDE";

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static ChildProcessOptions OtherBuild() => new()
    {
        Environment = new Dictionary<string, string?> { [MvidOverride] = Guid.NewGuid().ToString() },
    };

    [Fact]
    public void Result_WhenChildLoadsDifferentBuild_ThrowsVersionMismatchAndExitCodeIsOne()
    {
        using ChildProcess<int> child = ChildProcess.Start((int x) => x + 1, 1, OtherBuild());

        Assert.True(child.Join(Within.Deadline), "a child that cannot load the build must not hang");

        Assert.Equal(1, child.ExitCode);
        VersionMismatchException fromProperty = Assert.IsType<VersionMismatchException>(child.Exception);
        VersionMismatchException fromResult = Assert.Throws<VersionMismatchException>(() => child.Result);
        Assert.Contains("different build", fromResult.Message, StringComparison.Ordinal);
        Assert.Contains(child.Name, fromProperty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_ActionInChildLoadingDifferentBuild_DoesNotRunTheTarget()
    {
        string path = temp.NewPath("ran");
        using ChildProcess child = ChildProcess.Start(StaticTargets.WriteFile, path, "the target ran", OtherBuild());

        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        Assert.IsType<VersionMismatchException>(child.Exception);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task ResultAsync_WhenChildLoadsDifferentBuild_ThrowsVersionMismatch()
    {
        using ChildProcess<string> child = ChildProcess.Start(() => "never", OtherBuild());
        using var deadline = new CancellationTokenSource(Within.Deadline);

        await Assert.ThrowsAsync<VersionMismatchException>(() => child.ResultAsync(deadline.Token));
        Assert.Equal(1, child.ExitCode);
    }

    [Fact]
    public void Result_SameCallWithoutOverride_RunsNormally()
    {
        // Control: the same call without the override works, so the failures above come from the override.
        using ChildProcess<int> child = ChildProcess.Start((int x) => x + 1, 1);

        Assert.Equal(2, child.ResultOrFail());
        Assert.Null(child.Exception);
    }
}
