using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// A child ends with the exit system call once the runtime has done what it owes the program at exit (see
/// <c>WorkerExit</c>): its foreground threads have ended, every <see cref="AppDomain.ProcessExit"/> handler has run,
/// and its console is flushed. These tests capture the process-global console writers, so they run alone.
/// </summary>
[Collection(SerialTests.Name)]
public sealed partial class WorkerExitTests
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
    public void Exit_UnloadingHandlerOfTheTarget_RunsBeforeTheExit()
    {
        AssertChildPrinted(static (string t) =>
        {
            System.Runtime.Loader.AssemblyLoadContext.Default.Unloading += _ => Console.Out.WriteLine($"{t} unloading");
        }, " unloading");
    }

    [Fact]
    public void Exit_ProcessExitHandlerAddedWhileTheContextUnloads_StillRuns()
    {
        // The runtime raises Unloading before it reads the ProcessExit handlers, so a handler added there runs; the
        // child's own exit handler is added there too, and must come after this one.
        AssertChildPrinted(static (string t) =>
        {
            System.Runtime.Loader.AssemblyLoadContext.Default.Unloading += _ =>
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Out.WriteLine($"{t} added while unloading");
        }, " added while unloading");
    }

    [Fact]
    public void Exit_AFileWrittenThroughTheCLibraryAndNeverClosed_IsFlushedBeforeTheChildExits()
    {
        // A native library's FILE* keeps what it writes in the C library's buffer until exit flushes it.
        string path = Path.Combine(Path.GetTempPath(), $"mp-cfile-{Guid.NewGuid():N}");
        try
        {
            using ChildProcess child = ChildProcess.Start(static (string p) => _ = FilePuts("written by C", FileOpen(p, "w")), path);

            child.JoinOrFail();

            Assert.Equal(0, child.ExitCode);
            Assert.Equal("written by C", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
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

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fopen", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial nint FileOpen(string path, string mode);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fputs", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int FilePuts(string text, nint file);
}
