using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// A child's stdout and stderr reach this process's Console.Out and Console.Error line by line, whole and in
/// order, and all of it before Join returns. These tests replace the process-global console writers, so they
/// run alone.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class OutputForwardingTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Join_AfterChildPrintedManyLines_AllLinesArrivedWholeAndInOrder()
    {
        string tag = Guid.NewGuid().ToString("N");
        using var console = new ConsoleCapture();
        using ChildProcess child = ChildProcess.Start((string t) =>
        {
            for (int i = 0; i < 1000; i++)
            {
                Console.Out.WriteLine($"{t} out {i:D4} {new string('o', i % 97)}");
                if (i % 10 == 0)
                {
                    Console.Error.WriteLine($"{t} err {i / 10:D3}");
                }
            }
        }, tag);

        child.JoinOrFail();

        // Read right after Join returned: nothing may still be on its way.
        string[] expectedOut = [.. Enumerable.Range(0, 1000).Select(i => $"{tag} out {i:D4} {new string('o', i % 97)}")];
        string[] expectedErr = [.. Enumerable.Range(0, 100).Select(i => $"{tag} err {i:D3}")];
        Assert.Equal(expectedOut, console.Out.Lines.Where(l => l.StartsWith(tag, StringComparison.Ordinal)));
        Assert.Equal(expectedErr, console.Error.Lines.Where(l => l.StartsWith(tag, StringComparison.Ordinal)));
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void Join_AfterChildPrintedLongUnicodeAndUnterminatedLines_EachArrivesWhole()
    {
        using var console = new ConsoleCapture();
        using ChildProcess child = ChildProcess.Start(() =>
        {
            Console.Out.Write(new string('x', 300_000));
            Console.Out.Write('\n');
            Console.Out.WriteLine("héllo ✓ 😀 日本語");
            Console.Out.Write("last line without newline");
        });

        child.JoinOrFail();

        IReadOnlyList<string> lines = console.Out.Lines;
        Assert.Equal(3, lines.Count);
        Assert.Equal(new string('x', 300_000), lines[0]);
        Assert.Equal("héllo ✓ 😀 日本語", lines[1]);
        Assert.Equal("last line without newline", lines[2]);
        Assert.Equal(string.Empty, console.Out.Partial);
    }

    [Fact]
    public void Output_WhileChildRuns_IsForwardedBeforeItExits()
    {
        using var console = new ConsoleCapture();
        using ChildProcess child = ChildProcess.Start(() =>
        {
            Console.WriteLine("ready");
            Thread.Sleep(TimeSpan.FromSeconds(60));
        });
        try
        {
            Assert.True(console.Out.WaitForLine("ready", Within.Deadline), "the child's line did not arrive");
            Assert.True(child.IsAlive);
        }
        finally
        {
            child.Kill();
        }

        child.JoinOrFail();
        Assert.Equal(-9, child.ExitCode);
    }

    [Fact]
    public void Output_GoesToTheConsoleWriterSetWhenTheLineArrives()
    {
        string go = temp.NewPath("go");
        var before = new ConsoleCapture();
        ConsoleCapture? after = null;
        using ChildProcess child = ChildProcess.Start((string path) =>
        {
            Console.WriteLine("first");
            StaticTargets.WaitForFile(path);
            Console.WriteLine("second");
        }, go);
        try
        {
            Assert.True(before.Out.WaitForLine("first", Within.Deadline), "the first line did not arrive");
            before.Dispose();
            after = new ConsoleCapture();

            File.WriteAllText(go, string.Empty);
            child.JoinOrFail();

            Assert.Equal(["first"], before.Out.Lines);
            Assert.Equal(["second"], after.Out.Lines);
        }
        finally
        {
            after?.Dispose();
            before.Dispose();
        }
    }

    [Fact]
    public void Result_WhenChildExitsWithoutResult_ProcessDiedMessageQuotesItsLastStderrLines()
    {
        using var console = new ConsoleCapture();
        using ChildProcess<int> child = ChildProcess.Start(() =>
        {
            Console.Error.WriteLine("fatal: the disk is on fire");
            Environment.Exit(3);
            return 0;
        });

        child.JoinOrFail();
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);

        Assert.Equal(3, e.ExitCode);
        Assert.Contains("fatal: the disk is on fire", e.Message, StringComparison.Ordinal);
        Assert.Contains("fatal: the disk is on fire", console.Error.Lines);
    }

    [Fact]
    public void Result_WhenABackgroundThreadCrashesTheChild_ThrowsProcessDiedWithSignalAndUnhandledException()
    {
        using var console = new ConsoleCapture();
        using ChildProcess<int> child = ChildProcess.Start(() =>
        {
            var thread = new Thread(() => throw new InvalidOperationException("background boom"));
            thread.Start();
            thread.Join();
            return 1;
        });

        child.JoinOrFail();
        ProcessDiedException e = Assert.Throws<ProcessDiedException>(() => child.Result);

        Assert.Equal(-6, child.ExitCode); // the runtime aborts on an unhandled exception
        Assert.Equal(6, e.Signal);
        Assert.Null(child.Exception);
        Assert.Contains("background boom", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_WhenTheParentsConsoleWriterThrows_TheParentSurvives()
    {
        // Staged one level down, so that the process whose writer throws is a child and not the test host.
        using var console = new ConsoleCapture();
        using ChildProcess<string> parent = ChildProcess.Start(() =>
        {
            var closed = new StringWriter();
            closed.Dispose();
            Console.SetOut(closed);
            using ChildProcess<int> grandchild = ChildProcess.Start(() =>
            {
                Console.WriteLine("a line for a closed writer");
                return 7;
            });
            return grandchild.Join(TimeSpan.FromSeconds(20)) ? $"grandchild exit {grandchild.ExitCode}" : "grandchild hung";
        });

        Assert.Equal("grandchild exit 0", parent.ResultOrFail()); // observed: the middle process dies with SIGABRT
        Assert.Equal(0, parent.ExitCode);
    }

    [Fact]
    public void Output_WhenTheParentsErrorWriterThrows_TheParentSurvivesAndStillReportsTheLastLines()
    {
        // As above, with stderr: the line cannot be written, but it still goes into the ProcessDiedException.
        using var console = new ConsoleCapture();
        using ChildProcess<string> parent = ChildProcess.Start(() =>
        {
            Console.SetError(new ThrowingWriter());
            using ChildProcess<int> grandchild = ChildProcess.Start(() =>
            {
                Console.Error.WriteLine("fatal: nobody can read this");
                Console.Error.Flush();
                Environment.Exit(3);
                return 0;
            });
            if (!grandchild.Join(TimeSpan.FromSeconds(20)))
            {
                return "grandchild hung";
            }

            try
            {
                return $"unexpected result {grandchild.Result}";
            }
            catch (ProcessDiedException e)
            {
                return $"exit {e.ExitCode}, tail has the line: {e.Message.Contains("fatal: nobody can read this", StringComparison.Ordinal)}";
            }
        });

        Assert.Equal("exit 3, tail has the line: True", parent.ResultOrFail());
        Assert.Equal(0, parent.ExitCode);
    }

    /// <summary>A writer that fails every write, as one over a closed pipe does.</summary>
    private sealed class ThrowingWriter : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => throw new IOException("Broken pipe");

        public override void Write(string? value) => throw new IOException("Broken pipe");

        public override void WriteLine(string? value) => throw new IOException("Broken pipe");
    }
}
