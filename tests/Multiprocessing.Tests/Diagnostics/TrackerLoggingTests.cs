using Microsoft.Extensions.Logging;
using Multiprocessing.Sharing;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>
/// The resource tracker's removals are logged by the process that started it, through its process-wide logger
/// factory (which these tests set: serial, since other tests check that it is unset). Real children, SIGKILLed.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class TrackerLoggingTests : IDisposable
{
    private readonly CollectingLoggerProvider provider = new();
    private readonly ILoggerFactory factory;
    private readonly ILoggerFactory previous = MultiprocessingLogging.LoggerFactory;
    private readonly SharedMemory keepsTheTracker;

    public TrackerLoggingTests()
    {
        factory = provider.CreateFactory();
        MultiprocessingLogging.LoggerFactory = factory;

        // Creating a segment starts this process's tracker if it has none: the children inherit it, and it reports here.
        keepsTheTracker = SharedMemory.Create(16);
    }

    [Fact]
    public void ASegmentLeftByAKilledChild_IsRemovedByTheTracker_AndLoggedHere()
    {
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
        using var dir = new TempDirectory();
        string said = Path.Combine(dir.Path, "address");
        using ChildProcess child = ChildProcess.Start(ChildBodies.ListenUntilKilled, said);
        string folder;
        try
        {
            Within.WaitForFile(said, child);
            folder = Path.GetDirectoryName(File.ReadAllText(said))!;
            Assert.True(Directory.Exists(folder));
        }
        finally
        {
            child.Kill(); // SIGKILL: the folder is left for the tracker
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

    [Fact]
    public void ALoggerThatThrows_NeitherEndsTheStartingProcess_NorStopsItsReports()
    {
        // In a child that starts its own tracker (no address inherited), with a process-wide factory whose provider
        // throws on every record: the reports of two leaks both reach it, and the child lives to say so.
        using ChildProcess<int> child = ChildProcess.Start(
            static () =>
            {
                using var throwing = new ThrowingLoggerProvider();
                using ILoggerFactory own = LoggerFactory.Create(b => b.AddProvider(throwing));
                MultiprocessingLogging.LoggerFactory = own;
                using SharedMemory keepsItsTracker = SharedMemory.Create(16);
                LeaveInAKilledChild(ShmFiles.NewName("throwing-1"));
                LeaveInAKilledChild(ShmFiles.NewName("throwing-2"));
                Assert.True(throwing.Calls.Wait(Within.Deadline), "the first removal was not logged");
                Assert.True(throwing.Calls.Wait(Within.Deadline), "the second removal was not logged");
                return Environment.ProcessId;
            },
            new ChildProcessOptions { Environment = new Dictionary<string, string?> { [ResourceTracker.AddressVariable] = null } });
        Assert.Equal(child.Pid, child.ResultOrFail());
    }

    public void Dispose()
    {
        keepsTheTracker.Dispose();
        MultiprocessingLogging.LoggerFactory = previous;
        factory.Dispose();
        provider.Dispose();
    }

    /// <summary>Creates the segment <paramref name="name"/> in a child that is then SIGKILLed: only the tracker can remove it.</summary>
    private static void LeaveInAKilledChild(string name)
    {
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(ChildBodies.CreateSegmentUntilKilled, name, ready);
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

    /// <summary>A provider whose loggers count each record, then throw.</summary>
    private sealed class ThrowingLoggerProvider : ILoggerProvider, ILogger
    {
        public SemaphoreSlim Calls { get; } = new(0);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Calls.Release();
            throw new InvalidOperationException("a broken logger");
        }

        public void Dispose() => Calls.Dispose();
    }
}
