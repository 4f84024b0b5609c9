using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// A child ends with the exit system call once the runtime has done what it owes the program at exit (see
/// <c>WorkerExit</c>): its foreground threads have ended, every <see cref="AppDomain.ProcessExit"/> handler has run,
/// and its console is flushed. These tests capture the process-global console writers, so they run alone.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class WorkerExitTests
{
    [Fact]
    public void Exit_ProcessExitHandlerOfTheTarget_RunsAndItsOutputArrives()
    {
        AssertChildPrinted(static (string t) =>
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Out.WriteLine($"{t} from the exit handler");
        }, " from the exit handler");
    }

    [Fact]
    public void Exit_HandlerAddedByAForegroundThreadAfterTheTargetReturned_StillRuns()
    {
        AssertChildPrinted(static (string t) =>
        {
            new Thread(() =>
            {
                // Waits until the child has added its exit handler (its target has returned), then adds one after it.
                var deadline = System.Diagnostics.Stopwatch.StartNew();
                while (!Multiprocessing.Processes.WorkerExit.Armed)
                {
                    if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                    {
                        Console.Out.WriteLine($"{t} the child never added its exit handler");
                        return;
                    }

                    Thread.Sleep(1);
                }

                AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Out.WriteLine($"{t} added after the target");
            }).Start();
        }, " added after the target");
    }

    [Fact]
    public void Exit_OutputOfAWriterWithoutAutoFlush_IsFlushedBeforeTheChildExits()
    {
        AssertChildPrinted(static (string t) =>
        {
            var writer = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            Console.SetOut(writer);
            Console.Out.WriteLine($"{t} buffered");
            Console.Out.Write($"{t} unterminated");
        }, " buffered", " unterminated");
    }

    [Fact]
    public void Exit_TargetThrew_ExitCodeIs1AndTheErrorArrives()
    {
        using ChildProcess child = ChildProcess.Start(static () => throw new InvalidOperationException("thrown before the fast exit"));

        child.JoinOrFail();

        Assert.Equal(1, child.ExitCode);
        Assert.Equal("thrown before the fast exit", Assert.IsType<RemoteException>(child.Exception).RemoteMessage);
    }

    /// <summary>Runs <paramref name="target"/> in a child, given a tag, and checks that it printed <paramref name="expected"/> (after the tag) and exited with 0.</summary>
    private static void AssertChildPrinted(Action<string> target, params string[] expected)
    {
        string tag = Guid.NewGuid().ToString("N");
        using var console = new ConsoleCapture();
        using ChildProcess child = ChildProcess.Start(target, tag);

        child.JoinOrFail();

        Assert.Equal(expected.Select(e => $"{tag}{e}"), console.Out.Lines.Where(l => l.StartsWith(tag, StringComparison.Ordinal)));
        Assert.Equal(0, child.ExitCode);
    }
}
