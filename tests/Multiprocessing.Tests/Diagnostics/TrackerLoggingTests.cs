using Microsoft.Extensions.Logging;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>
/// The resource tracker's removals are logged by the process that started it, through its process-wide logger
/// factory (which these tests set: serial, since other tests check that it is unset). Real children, SIGKILLed.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class TrackerLoggingTests
{
    [Fact]
    public void ASegmentLeftByAKilledChild_IsRemovedByTheTracker_AndLoggedHere()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using ProcessWideFactory _ = new(factory);

        // Creating a segment starts this process's tracker if it has none: the child inherits it, and it reports here.
        using SharedMemory keepsTheTracker = SharedMemory.Create(16);
        string name = ShmFiles.NewName("logged-leak");
        string file = Path.GetFileName(ShmFiles.PathOf(name));
        LeaveInAKilledChild(name);
        CollectedRecord removed = provider.WaitFor(
            r => r.EventId.Id == MultiprocessingLogEvents.TrackerRemovedSegment && Equals(r.Property("SegmentName"), file),
            "the tracker's removal of " + file);
        Assert.Equal("Multiprocessing.ResourceTracker", removed.Category);
        Assert.Equal(LogLevel.Warning, removed.Level);
        Assert.Equal(nameof(MultiprocessingLogEvents.TrackerRemovedSegment), removed.EventId.Name);
        Assert.Contains("/dev/shm/" + file, removed.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ShmFiles.PathOf(name)), "logged as removed, but still there");
    }

    [Fact]
    public void TheSocketFolderOfAKilledChildsListener_IsRemovedByTheTracker_AndLoggedHere()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using ProcessWideFactory _ = new(factory);
        using SharedMemory keepsTheTracker = SharedMemory.Create(16);
        using var dir = new TempDirectory();
        string said = Path.Combine(dir.Path, "address");
        using ChildProcess child = ChildProcess.Start(static (string path) =>
        {
            Listener listener = Listener.Create();
            File.WriteAllText(path + ".tmp", listener.Address.ToString());
            File.Move(path + ".tmp", path);
            Thread.Sleep(Timeout.Infinite);
            GC.KeepAlive(listener);
        }, said);
        string folder;
        try
        {
            Within.WaitForFile(said, child);
            folder = Path.GetDirectoryName(File.ReadAllText(said))!;
            Assert.True(Directory.Exists(folder));
        }
        finally
        {
            child.Kill();
        }

        child.JoinOrFail();
        string folderName = Path.GetFileName(folder);
        CollectedRecord removed = provider.WaitFor(
            r => r.EventId.Id == MultiprocessingLogEvents.TrackerRemovedSocketFolder && Equals(r.Property("FolderName"), folderName),
            "the tracker's removal of " + folderName);
        Assert.Equal("Multiprocessing.ResourceTracker", removed.Category);
        Assert.Equal(LogLevel.Warning, removed.Level);
        Assert.False(Directory.Exists(folder), "logged as removed, but still there");
    }

    [Fact]
    public void ASegmentItsCreatorRemoved_IsNotLogged()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using ProcessWideFactory _ = new(factory);
        using SharedMemory keepsTheTracker = SharedMemory.Create(16);
        string name = ShmFiles.NewName("not-leaked");
        string file = Path.GetFileName(ShmFiles.PathOf(name));
        using ChildProcess child = ChildProcess.Start(static (string n) =>
        {
            using SharedMemory closed = SharedMemory.Create(4096, n);
        }, name);
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);

        // The tracker also watched this one, and was woken when the child closed it: a segment leaked after that, and
        // logged, shows that it was done with the first. (Its watches run on separate threads, so this orders them
        // only loosely: a broken tracker may pass by luck, a correct one never fails by it.)
        string leakName = ShmFiles.NewName("after");
        string leakFile = Path.GetFileName(ShmFiles.PathOf(leakName));
        LeaveInAKilledChild(leakName);
        provider.WaitFor(r => Equals(r.Property("SegmentName"), leakFile), "the tracker's removal of " + leakFile);
        Assert.DoesNotContain(provider.Records, r => Equals(r.Property("SegmentName"), file));
    }

    /// <summary>Creates the segment <paramref name="name"/> in a child that is then SIGKILLed: only the tracker can remove it.</summary>
    private static void LeaveInAKilledChild(string name)
    {
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (string n, SharedEvent r) =>
        {
            SharedMemory leaked = SharedMemory.Create(4096, n);
            r.Set();
            Thread.Sleep(Timeout.Infinite); // holds it open until killed
            GC.KeepAlive(leaked);
        }, name, ready);
        try
        {
            Handoff.WaitReady(ready, child);
            Assert.True(File.Exists(ShmFiles.PathOf(name)));
        }
        finally
        {
            child.Kill(); // SIGKILL
        }

        child.JoinOrFail();
        Assert.Equal(-9, child.ExitCode);
    }

    /// <summary>Sets <see cref="MultiprocessingLogging.LoggerFactory"/> for a test, and restores it.</summary>
    private sealed class ProcessWideFactory : IDisposable
    {
        private readonly ILoggerFactory previous = MultiprocessingLogging.LoggerFactory;

        public ProcessWideFactory(ILoggerFactory factory) => MultiprocessingLogging.LoggerFactory = factory;

        public void Dispose() => MultiprocessingLogging.LoggerFactory = previous;
    }
}
