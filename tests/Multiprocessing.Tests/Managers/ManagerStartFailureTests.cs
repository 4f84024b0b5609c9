using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Managers;

/// <summary>Manager.Start reports a manager process that ended before it listened as soon as it ended.</summary>
public sealed class ManagerStartFailureTests
{
    [Fact]
    public async Task Start_AnInitializerThatThrows_IsReportedWhenTheProcessEnds_NotAtTheStartTimeout()
    {
        // A start timeout far beyond the test's 30 s: only the end of the manager's pipe can end the wait in time.
        var options = new ManagerOptions
        {
            Initializer = static () => throw new InvalidOperationException("no database"),
            StartTimeout = TimeSpan.FromMinutes(10),
        };

        Task<ManagerUnavailableException> start = Task.Run(() => Assert.Throws<ManagerUnavailableException>(() => Manager.Start(options)));
        Assert.True(await Task.WhenAny(start, Task.Delay(Within.Deadline)) == start, $"Manager.Start still waiting after {Within.Deadline.TotalSeconds} s for a manager whose initializer threw.");
        ManagerUnavailableException e = await start;
        Assert.Contains("ended before it listened", e.Message, StringComparison.Ordinal);
        Assert.Contains("no database", Assert.IsType<RemoteException>(e.InnerException).Message, StringComparison.Ordinal);
    }
}
