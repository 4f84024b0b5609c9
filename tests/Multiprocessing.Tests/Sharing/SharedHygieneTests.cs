using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Sharing;

/// <summary>Failed creations and opens leave nothing open; closed objects fail cleanly instead of touching unmapped memory.</summary>
public sealed class SharedHygieneTests
{
    [Fact]
    public void FailedOpens_LeaveNothingOpenInTheProcess()
    {
        // In a child, whose mappings and descriptors no other test changes meanwhile.
        using ChildProcess<string> child = ChildProcess.Start(static () =>
        {
            using var ints = SharedArray.Create<int>(2);
            using var lk = SharedLock.Create();
            int before = OpenSegments();
            _ = Record.Exception(() => SharedArray.Open<double>(ints.Name));
            _ = Record.Exception(() => SharedMemory.Open(lk.Name));
            _ = Record.Exception(() => SharedEvent.Open(ints.Name));
            _ = Record.Exception(() => SharedCondition.Open(lk.Name));
            _ = Record.Exception(() => SharedLock.Open(ShmFiles.NewName("missing")));
            _ = Record.Exception(() => SharedMemory.Create(8, ints.Name));
            return $"{before}|{OpenSegments()}";
        });

        string[] counts = child.ResultOrFail().Split('|');
        Assert.Equal(counts[0], counts[1]);
    }

    [Fact]
    public void FailedConditionCreate_LeavesNothingOpenInTheProcess()
    {
        using ChildProcess<string> child = ChildProcess.Start(static () =>
        {
            using var taken = SharedEvent.Create();
            int before = OpenSegments();
            Exception? e = Record.Exception(() => SharedCondition.Create((SharedRLock?)null, taken.Name));
            return $"{e?.GetType().Name}|{before}|{OpenSegments()}";
        });

        string[] result = child.ResultOrFail().Split('|');
        Assert.Equal(nameof(IOException), result[0]);
        Assert.Equal(result[1], result[2]);
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("rlock")]
    [InlineData("semaphore")]
    [InlineData("event")]
    [InlineData("condition")]
    [InlineData("barrier")]
    public void UseAfterDispose_ThrowsObjectDisposed(string kind)
    {
        // In a child: the bug kills the process that does it.
        using ChildProcess<string> child = ChildProcess.Start(static (string k) =>
        {
            Action use = k switch
            {
                "lock" => Closed(SharedLock.Create(), l => l.TryAcquire()),
                "rlock" => Closed(SharedRLock.Create(), l => l.TryAcquire()),
                "semaphore" => Closed(SharedSemaphore.Create(), s => s.TryAcquire()),
                "event" => Closed(SharedEvent.Create(), e => e.Set()),
                "condition" => Closed(SharedCondition.Create(), c => c.Acquire()),
                _ => Closed(SharedBarrier.Create(1), b => b.Wait()),
            };
            return Record.Exception(use)?.GetType().Name ?? "none";
        }, kind);

        Assert.Equal(nameof(ObjectDisposedException), child.ResultOrFail());
    }

    /// <summary>Our shared-memory files mapped in this process.</summary>
    private static int OpenSegments() =>
        File.ReadLines("/proc/self/maps").Count(line => line.Contains(ShmFiles.Directory + "/" + ShmFiles.Prefix, StringComparison.Ordinal))
        + Directory.EnumerateFiles("/proc/self/fd").Count(fd => LinkTarget(fd).StartsWith(ShmFiles.Directory + "/" + ShmFiles.Prefix, StringComparison.Ordinal));

    private static string LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? string.Empty;
        }
        catch (IOException)
        {
            return string.Empty; // closed meanwhile
        }
    }

    /// <summary>Disposes <paramref name="obj"/> and returns an action that uses it.</summary>
    private static Action Closed<T>(T obj, Action<T> use)
        where T : IDisposable
    {
        obj.Dispose();
        return () => use(obj);
    }
}
