using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Multiprocessing.Diagnostics;
using Multiprocessing.Tests.Connections;
using Multiprocessing.Tests.Pools;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

#pragma warning disable CA1848, CA1873 // The children log as users do, through the extension methods.

/// <summary>
/// What the library logs through an <see cref="ILoggerFactory"/> (its events, with stable ids), and the records a
/// child's own code logs, relayed to the parent's factory in a scope naming the child. Real children throughout.
/// </summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task AKilledWorker_LogsWorkerDied_WithItsPidAndSignal_ThenWorkerReplaced()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, LoggerFactory = factory });
        (Task<int> doomed, int victim) = pool.SubmitHangingTask();
        Process.GetProcessById(victim).Kill(); // SIGKILL
        await Assert.ThrowsAsync<ProcessDiedException>(() => doomed.WaitAsync(Within.Deadline));

        CollectedRecord died = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.WorkerDied, "worker died");
        Assert.Equal("Multiprocessing.ProcessPool", died.Category);
        Assert.Equal(LogLevel.Warning, died.Level);
        Assert.Equal(nameof(MultiprocessingLogEvents.WorkerDied), died.EventId.Name);
        Assert.Equal(victim, died.Property("Pid"));
        Assert.Equal(9, died.Property("Signal"));
        Assert.Equal(-9, died.Property("ExitCode"));
        Assert.Equal(true, died.Property("RunningTask"));
        Assert.Equal(pool.Name, died.Property("PoolName"));

        CollectedRecord replaced = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.WorkerReplaced, "worker replaced");
        Assert.Equal(victim, replaced.Property("Pid"));
        Assert.Equal(pool.WorkerPids.Single(), replaced.Property("NewPid"));
        Assert.Contains(victim.ToString(CultureInfo.InvariantCulture), replaced.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskThatThrows_LogsTaskFailed_WithTheRemoteException()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, LoggerFactory = factory });
        RemoteException thrown = Assert.Throws<RemoteException>(() => pool.Apply(static () => Fail("boom in the worker")));

        CollectedRecord failed = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.TaskFailed, "task failed");
        RemoteException logged = Assert.IsType<RemoteException>(failed.Exception);
        Assert.Equal(typeof(InvalidOperationException).FullName, logged.RemoteType);
        Assert.Equal("boom in the worker", logged.RemoteMessage);
        Assert.Equal(thrown.RemoteType, failed.Property("RemoteType"));
        Assert.Equal(pool.WorkerPids.Single(), failed.Property("Pid"));
    }

    [Fact]
    public void AWorkerAtItsTaskLimit_LogsWorkerRecycled_AndReplaced()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, MaxTasksPerWorker = 1, LoggerFactory = factory });
        int first = pool.Apply(static () => Environment.ProcessId);

        CollectedRecord recycled = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.WorkerRecycled, "worker recycled");
        Assert.Equal(first, recycled.Property("Pid"));
        Assert.Equal(1, recycled.Property("TaskCount"));
        provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.WorkerReplaced && Equals(r.Property("Pid"), first), "worker replaced");
        Assert.DoesNotContain(provider.Records, r => r.EventId.Id == MultiprocessingLogEvents.WorkerDied);
    }

    [Fact]
    public async Task ATaskPastItsTimeout_LogsWorkerTimedOut()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, TaskTimeout = TimeSpan.FromMilliseconds(200), LoggerFactory = factory });
        await Assert.ThrowsAsync<TimeoutException>(() => pool.Submit(static () => Thread.Sleep(Timeout.Infinite)).WaitAsync(Within.Deadline));

        CollectedRecord timedOut = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.WorkerTimedOut, "worker timed out");
        Assert.Equal(TimeSpan.FromMilliseconds(200), timedOut.Property("Timeout"));
        Assert.DoesNotContain(provider.Records, r => r.EventId.Id == MultiprocessingLogEvents.WorkerDied);
    }

    [Fact]
    public void AClientWithTheWrongKey_LogsHandshakeFailed_NamingThePeersPid()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using Listener listener = Listener.Create(Listeners.Key(1), new ConnectionOptions { LoggerFactory = factory });
        Task<Connection> accept = Task.Run(listener.Accept);

        int intruderPid;
        using (ChildProcess<string> intruder = ChildProcess.Start(ConnectionChildren.TryConnect, Where.Of(listener.Address), Listeners.Key(2)))
        {
            Assert.Contains("did not match", intruder.ResultOrFail(), StringComparison.Ordinal);
            intruderPid = intruder.Pid;
        }

        CollectedRecord failed = provider.WaitFor(r => r.EventId.Id == MultiprocessingLogEvents.HandshakeFailed, "handshake failed");
        Assert.Equal("Multiprocessing.Listener", failed.Category);
        Assert.Contains($"pid {intruderPid}", (string?)failed.Property("Peer"), StringComparison.Ordinal);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(failed.Exception);
        Assert.False(accept.IsCompleted, "Accept returned the client with the wrong key");
        listener.Dispose();
        _ = Record.Exception(() => accept.Wait(Within.Deadline)); // ends with the listener
    }

    [Fact]
    public void AChildThatCannotStart_LogsChildStartFailed_UnderTheChildProcessCategory()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        string name = "unstartable-" + Guid.NewGuid().ToString("N");

        // One environment string over the kernel's MAX_ARG_STRLEN (128 KiB): execve fails with E2BIG, so posix_spawn does.
        var environment = new Dictionary<string, string?> { ["MP_TEST_TOO_LONG"] = new string('x', 200_000) };
        IOException thrown = Assert.Throws<IOException>(() => ChildProcess.Start(
            static () => { }, new ChildProcessOptions { Name = name, Environment = environment, LoggerFactory = factory }));

        CollectedRecord failed = Assert.Single(provider.Records, r => r.EventId.Id == MultiprocessingLogEvents.ChildStartFailed);
        Assert.Equal("Multiprocessing.ChildProcess", failed.Category); // documented in docs/telemetry.md
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Equal(name, failed.Property("ChildName"));
        Assert.Same(thrown, failed.Exception);
    }

    [Fact]
    public void AChildsOwnRecords_ReachTheParentsFactory_InAScopeWithItsPidAndName()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        string name = "logger-" + Guid.NewGuid().ToString("N");
        using ChildProcess child = ChildProcess.Start(static () =>
        {
            ILogger logger = CurrentProcess.LoggerFactory.CreateLogger("Tests.Child");
            logger.LogInformation(new EventId(7, "Hello"), "hello {Number} from {Name}", 42, CurrentProcess.Name);
            logger.LogError(new InvalidOperationException("bad"), "failed {Flag}", true);
        }, new ChildProcessOptions { Name = name, LoggerFactory = factory });
        child.JoinOrFail();
        Assert.Equal(0, child.ExitCode);

        // Logged before the child's result: relayed by the time Join returns.
        CollectedRecord hello = Assert.Single(provider.Records, r => r.Category == "Tests.Child" && r.Level == LogLevel.Information);
        Assert.Equal($"hello 42 from {name}", hello.Message);
        Assert.Equal(new EventId(7, "Hello"), hello.EventId);
        Assert.Equal(42L, hello.Property("Number"));
        Assert.Equal("hello {Number} from {Name}", hello.Property("{OriginalFormat}"));
        Assert.Equal(child.Pid, hello.ScopeValue(ProcessLogScope.PidKey));
        Assert.Equal(name, hello.ScopeValue(ProcessLogScope.NameKey));

        CollectedRecord error = Assert.Single(provider.Records, r => r.Category == "Tests.Child" && r.Level == LogLevel.Error);
        RemoteException remote = Assert.IsType<RemoteException>(error.Exception);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
        Assert.Equal(true, error.Property("Flag"));
    }

    [Fact]
    public void AChildThatExitsRightAfterLogging_LosesNoRecord()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using ChildProcess child = ChildProcess.Start(static () =>
        {
            ILogger logger = CurrentProcess.LoggerFactory.CreateLogger("Tests.Exit");
            for (int i = 0; i < 100; i++)
            {
                logger.LogInformation("record {Index}", i);
            }

            Environment.Exit(3);
        }, new ChildProcessOptions { LoggerFactory = factory });
        child.JoinOrFail();
        Assert.Equal(3, child.ExitCode);

        Assert.Equal(
            Enumerable.Range(0, 100).Select(i => (object?)(long)i),
            provider.Records.Where(r => r.Category == "Tests.Exit").Select(r => r.Property("Index")));
        Assert.All(provider.Records.Where(r => r.Category == "Tests.Exit"), r => Assert.Equal(child.Pid, r.ScopeValue(ProcessLogScope.PidKey)));
    }

    [Fact]
    public void AWorkersOwnRecords_ReachThePoolsFactory_WithTheWorkersPid()
    {
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1, LoggerFactory = factory });
        int pid = pool.Apply(static () =>
        {
            CurrentProcess.LoggerFactory.CreateLogger("Tests.Worker").LogWarning("from the worker");
            return Environment.ProcessId;
        });

        // The result comes through the worker's pipe, the record through its control socket: wait for the record.
        CollectedRecord record = provider.WaitFor(r => r.Category == "Tests.Worker", "from the worker");
        Assert.Equal("from the worker", record.Message);
        Assert.Equal(pid, record.ScopeValue(ProcessLogScope.PidKey));
        Assert.StartsWith(pool.Name + "-Worker-", (string?)record.ScopeValue(ProcessLogScope.NameKey), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutALoggerFactory_AChildSendsNothing()
    {
        Assert.False(MultiprocessingLogging.IsReal(MultiprocessingLogging.LoggerFactory), "a test set the process-wide factory");
        using ChildProcess quiet = ChildProcess.Start(LogThree);
        quiet.JoinOrFail();
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal(0, quiet.LogFramesReceived);

        // The same child with a factory sends its three records: the count above can see them.
        using var provider = new CollectingLoggerProvider();
        using ILoggerFactory factory = provider.CreateFactory();
        using ChildProcess heard = ChildProcess.Start(LogThree, new ChildProcessOptions { LoggerFactory = factory });
        heard.JoinOrFail();
        Assert.Equal(3, heard.LogFramesReceived);
    }

    [Fact]
    public void WhenLoggingIsOff_TheLibrarysEventsAllocateNothing()
    {
        using ILoggerFactory factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Error).AddProvider(NullLoggerProvider.Instance));
        ILogger filtered = factory.CreateLogger("Multiprocessing.ProcessPool");
        var error = new InvalidOperationException();
        for (int round = 0; round < 2; round++) // the first round JITs
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Log.WorkerDied(NullLogger.Instance, "w", 1, "p", -9, 9, true);
            Log.WorkerDied(filtered, "w", 1, "p", -9, 9, true);
            Log.TaskFailed(filtered, "p", "T", "w", 1, error);
            Log.HandshakeFailed(filtered, "peer", "address", "reason", error);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 1)
            {
                Assert.Equal(0, allocated);
            }
        }
    }

    private static void LogThree()
    {
        ILogger logger = CurrentProcess.LoggerFactory.CreateLogger("Tests.Quiet");
        logger.LogInformation("one");
        logger.LogWarning("two");
        logger.LogError("three");
    }

    private static int Fail(string message) => throw new InvalidOperationException(message);
}
