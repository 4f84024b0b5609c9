namespace Multiprocessing.Tests;

public class SmokeTests
{
    [Fact]
    public void Start_UnderTestHost_ReturnsResult()
    {
        int captured = 21;
        using ChildProcess<int> child = ChildProcess.Start(() => captured * 2);
        Assert.Equal(42, child.Result);
        Assert.Equal(0, child.ExitCode);
    }
}
