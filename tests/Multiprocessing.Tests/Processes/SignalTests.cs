using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Multiprocessing.Tests.Synchronization;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// SendSignal delivers POSIX signals to a child, whose target handles them with the BCL's PosixSignalRegistration;
/// an unhandled signal ends the child with -N; after the child has exited, SendSignal does nothing.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SignalTests
{
    /// <summary>Raw Linux signal numbers, cast as PosixSignalRegistration takes them.</summary>
    private const PosixSignal Sigusr1 = (PosixSignal)10;

    private const PosixSignal Sigusr2 = (PosixSignal)12;

    private const int SigintNumber = 2;

    [Fact]
    public void SendSignal_RawSigusr1ToChildWithHandler_HandlerRunsOncePerSignal()
    {
        using var ready = SharedEvent.Create();
        using var handled = SharedSemaphore.Create(0);
        using var done = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent r, SharedSemaphore h, SharedEvent d) =>
        {
            int count = 0;
            using PosixSignalRegistration registration = PosixSignalRegistration.Create(Sigusr1, context =>
            {
                if (context.Signal == Sigusr1)
                {
                    Interlocked.Increment(ref count);
                }

                context.Cancel = true; // or SIGUSR1's default action follows, and ends the child
                h.Release();
            });
            r.Set();
            d.Wait(Within.Deadline);
            return Volatile.Read(ref count);
        }, ready, handled, done);
        Handoff.WaitReady(ready, child);

        for (int i = 0; i < 3; i++)
        {
            child.SendSignal(Sigusr1);
            Assert.True(handled.TryAcquire(Within.Deadline), $"the child's handler did not run for signal {i + 1}");
        }

        done.Set();
        Assert.Equal(3, child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void SendSignal_Sigusr1ToChildWhoseHandlerDoesNotCancel_HandlerRunsThenDefaultActionEndsIt()
    {
        using var ready = SharedEvent.Create();
        using var handled = SharedEvent.Create();
        using var never = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent r, SharedEvent h, SharedEvent n) =>
        {
            using PosixSignalRegistration registration = PosixSignalRegistration.Create(Sigusr1, _ => h.Set());
            r.Set();
            n.Wait(Within.Deadline);
            return 1;
        }, ready, handled, never);
        Handoff.WaitReady(ready, child);

        child.SendSignal(Sigusr1);
        child.JoinOrFail();

        Assert.True(handled.IsSet, "the child's handler did not run");
        Assert.Equal(-10, child.ExitCode);
    }

    [Fact]
    public void SendSignal_EveryNamedPosixSignal_ReachesTheChildsHandlerForThatSignal()
    {
        // The BCL's named values are negative (SIGHUP = -1 ... SIGTSTP = -10); SendSignal maps them to Linux numbers.
        // A signal this test host ignores is ignored by its children too, and no handler runs for it: left out.
        int[] named = [.. ((PosixSignal[])
        [
            PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGTERM, PosixSignal.SIGCHLD,
            PosixSignal.SIGCONT, PosixSignal.SIGWINCH, PosixSignal.SIGTTIN, PosixSignal.SIGTTOU, PosixSignal.SIGTSTP,
        ]).Where(s => !IgnoredByThisProcess(LinuxNumber(s))).Select(s => (int)s)];
        using var ready = SharedEvent.Create();
        using var handled = SharedSemaphore.Create(0);
        using var done = SharedEvent.Create();
        using ChildProcess<int[]> child = ChildProcess.Start(static (int[] signals, SharedEvent r, SharedSemaphore h, SharedEvent d) =>
        {
            var seen = new List<int>();
            PosixSignalRegistration[] registrations = [.. signals.Select(s => PosixSignalRegistration.Create((PosixSignal)s, context =>
            {
                lock (seen)
                {
                    seen.Add((int)context.Signal);
                }

                context.Cancel = true; // SIGINT, SIGQUIT, SIGTERM would end the child otherwise
                h.Release();
            }))];
            r.Set();
            d.Wait(Within.Deadline);
            foreach (PosixSignalRegistration registration in registrations)
            {
                registration.Dispose();
            }

            lock (seen)
            {
                return seen.ToArray();
            }
        }, named, ready, handled, done);
        Handoff.WaitReady(ready, child);

        foreach (int signal in named)
        {
            child.SendSignal((PosixSignal)signal);
            Assert.True(handled.TryAcquire(Within.Deadline), $"no handler ran in the child for {(PosixSignal)signal}");
        }

        done.Set();
        Assert.Equal(named, child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void SendSignal_Sigusr2ToChildWithoutHandler_EndsItWithMinus12()
    {
        using var ready = SharedEvent.Create();
        using var never = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent r, SharedEvent n) =>
        {
            r.Set();
            n.Wait(Within.Deadline);
            return 1;
        }, ready, never);
        Handoff.WaitReady(ready, child);

        child.SendSignal(Sigusr2);
        child.JoinOrFail();

        Assert.Equal(-12, child.ExitCode);
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);
        Assert.Equal(12, e.Signal);
        Assert.Contains("SIGUSR2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SendSignal_SigintToChildWithoutHandler_EndsItWithMinus2()
    {
        using var ready = SharedEvent.Create();
        using var sent = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent r, SharedEvent s) =>
        {
            r.Set();
            s.Wait(Within.Deadline);
            return 1;
        }, ready, sent);
        Handoff.WaitReady(ready, child);

        child.SendSignal(PosixSignal.SIGINT);

        if (IgnoredByThisProcess(SigintNumber))
        {
            // This test host was started with SIGINT ignored (a script's background job), and the child inherits
            // that, as documented: the signal does nothing, and the child returns once told that it was sent.
            sent.Set();
            Assert.Equal(1, child.ResultOrFail());
            return;
        }

        child.JoinOrFail();
        Assert.Equal(-2, child.ExitCode);
        Assert.Equal(2, Assert.Throws<ProcessDiedException>(() => child.Result).Signal);
    }

    [Fact]
    public void Terminate_ChildWhoseOwnSigtermHandlerCancels_KeepsRunningAndReturns()
    {
        using var ready = SharedEvent.Create();
        using ChildProcess<string> child = ChildProcess.Start(static (SharedEvent r) =>
        {
            using var handled = new ManualResetEventSlim();
            Thread? handlerThread = null;
            using PosixSignalRegistration registration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                handlerThread = Thread.CurrentThread;
                context.Cancel = true;
                handled.Set();
            });
            r.Set();
            if (!handled.Wait(Within.Deadline))
            {
                return "no SIGTERM";
            }

            // The BCL runs SIGTERM's handlers one after the other on a thread of their own, the library's (registered
            // before the target ran) after this one: once that thread has ended, all of them have run.
            if (!handlerThread!.Join(Within.Deadline))
            {
                return "the signal handler thread did not end";
            }

            return CurrentProcess.TerminationToken.IsCancellationRequested ? "token fired" : "handled SIGTERM itself";
        }, ready);
        Handoff.WaitReady(ready, child);

        child.Terminate();

        Assert.Equal("handled SIGTERM itself", child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void SendSignal_SigtermToChildWhoseOwnHandlerDoesNotCancel_HandlerRunsThenChildEndsWithMinus15()
    {
        using var ready = SharedEvent.Create();
        using var handled = SharedEvent.Create();
        using var never = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (SharedEvent r, SharedEvent h, SharedEvent n) =>
        {
            using PosixSignalRegistration registration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => h.Set());
            r.Set();
            n.Wait(Within.Deadline);
            return 1;
        }, ready, handled, never);
        Handoff.WaitReady(ready, child);

        child.SendSignal(PosixSignal.SIGTERM);
        child.JoinOrFail();

        Assert.True(handled.IsSet, "the child's own SIGTERM handler did not run");
        Assert.Equal(-15, child.ExitCode);
    }

    [Fact]
    public void SendSignal_AfterChildExited_DoesNothing()
    {
        ChildProcess<int> child = ChildProcess.Start(() => 3);
        Assert.Equal(3, child.ResultOrFail());

        child.SendSignal(Sigusr1);
        child.SendSignal(PosixSignal.SIGTERM);
        child.Dispose();
        Assert.Throws<ObjectDisposedException>(() => child.SendSignal(Sigusr2)); // as Python's ValueError after close()

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(3, child.Result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(-11)]
    [InlineData(int.MinValue)]
    public void SendSignal_NeitherANamedSignalNorANumberFrom1To64_ThrowsArgumentOutOfRange(int value)
    {
        using ChildProcess<int> child = ChildProcess.Start(() => 3);
        Assert.Equal(3, child.ResultOrFail()); // checked whether or not the child still runs

        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => child.SendSignal((PosixSignal)value));

        Assert.Equal("signal", e.ParamName);
    }

    /// <summary>The Linux numbers of the BCL's named signals (x86-64 and arm64).</summary>
    private static int LinuxNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        PosixSignal.SIGCHLD => 17,
        PosixSignal.SIGCONT => 18,
        PosixSignal.SIGTSTP => 20,
        PosixSignal.SIGTTIN => 21,
        PosixSignal.SIGTTOU => 22,
        PosixSignal.SIGWINCH => 28,
        _ => (int)signal,
    };

    /// <summary>Whether this process ignores signal <paramref name="number"/> (SIG_IGN), from the SigIgn mask in /proc/self/status.</summary>
    private static bool IgnoredByThisProcess(int number)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << (number - 1))) != 0;
    }
}
