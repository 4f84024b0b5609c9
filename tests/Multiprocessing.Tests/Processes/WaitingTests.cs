using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>Join with a timeout, WaitForExitAsync and ResultAsync wait for the child, and their cancellation stops only the wait.</summary>
public sealed class WaitingTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Join_WithTimeout_ReturnsFalseWhileRunningAndTrueAfterExit()
    {
        string go = temp.NewPath("go");
        using ChildProcess<int> child = ChildProcess.Start<string, int>(StaticTargets.WaitForFile, go);

        // The child cannot exit before the go file exists, so this timeout is the expected outcome.
        Assert.False(child.Join(TimeSpan.FromMilliseconds(300)));
        Assert.True(child.IsAlive);
        Assert.Null(child.ExitCode);

        File.WriteAllText(go, string.Empty);

        Assert.True(child.Join(Within.Deadline));
        Assert.False(child.IsAlive);
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(1, child.Result); // 1: it saw the file; -1 would mean it gave up waiting
        Assert.True(child.Join(TimeSpan.Zero));
    }

    [Fact]
    public void Join_NegativeTimeout_ThrowsArgumentOutOfRange()
    {
        using ChildProcess<int> child = ChildProcess.Start(() => 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => child.Join(TimeSpan.FromSeconds(-2)));
        Assert.Equal(1, child.ResultOrFail());
    }

    /// <summary>
    /// Python's join, poll and wait take a negative timeout as 0; in .NET -1 ms means for ever, so every wait of the
    /// library refuses a negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/> alike (docs/python-mapping.md).
    /// </summary>
    [Fact]
    public async Task NegativeTimeout_IsRefusedAlikeByTheWaits()
    {
        TimeSpan negative = TimeSpan.FromMilliseconds(-5);
        using ChildProcess child = ChildProcess.Start(static () => { });
        (Connection a, Connection b) = Pipe.Create();
        using (a)
        using (b)
        {
            using var lk = SharedLock.Create();
            using var ev = SharedEvent.Create();
            using var sem = SharedSemaphore.Create(0);
            using SharedQueue<int> q = SharedQueue.Create<int>();
            using var pool = new ThreadWorkerPool(1);
            pool.Close();

            Assert.Throws<ArgumentOutOfRangeException>(() => child.Join(negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => b.Poll(negative));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => b.PollAsync(negative).AsTask());
            Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => ev.TryWait(negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => sem.TryAcquire(negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => q.TryGet(out _, negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => pool.Join(negative));
        }

        child.JoinOrFail();
    }

    [Fact]
    public async Task WaitForExitAsync_WhenCancelled_ThrowsAndChildKeepsRunning()
    {
        string go = temp.NewPath("go");
        using ChildProcess<int> child = ChildProcess.Start<string, int>(StaticTargets.WaitForFile, go);

        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitForExitAsync(cancel.Token));
        }

        Assert.True(child.IsAlive);
        Assert.Null(child.ExitCode);

        child.Kill();
        using var deadline = new CancellationTokenSource(Within.Deadline);
        await child.WaitForExitAsync(deadline.Token);

        Assert.False(child.IsAlive);
        Assert.Equal(-9, child.ExitCode);
    }

    [Fact]
    public async Task ResultAsync_WhenCancelled_ThrowsAndALaterReadGetsTheValue()
    {
        string go = temp.NewPath("go");
        using ChildProcess<int> child = ChildProcess.Start<string, int>(StaticTargets.WaitForFile, go);

        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.ResultAsync(cancel.Token));
        }

        Assert.True(child.IsAlive);
        await File.WriteAllTextAsync(go, string.Empty);

        using var deadline = new CancellationTokenSource(Within.Deadline);
        Assert.Equal(1, await child.ResultAsync(deadline.Token));
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task WaitForExitAsync_AlreadyCancelledToken_ThrowsWithoutWaiting()
    {
        string go = temp.NewPath("go");
        using ChildProcess<int> child = ChildProcess.Start<string, int>(StaticTargets.WaitForFile, go);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitForExitAsync(new CancellationToken(canceled: true)));

        Assert.True(child.IsAlive);
    }
}
