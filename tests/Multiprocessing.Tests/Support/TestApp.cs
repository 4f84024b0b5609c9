using System.Diagnostics;
using System.Runtime.InteropServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Tests.Support;

/// <summary>Starts the test application (tests/Multiprocessing.TestApp) as a parent process, and watches processes it starts.</summary>
internal static class TestApp
{
    /// <summary>Where a wait is not the expected outcome: long enough never to fail on a busy machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The repository's root (the folder holding Multiprocessing.slnx).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The build configuration the tests were built with (Debug or Release).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>The test app's project folder.</summary>
    public static string ProjectDir => Path.Combine(RepoRoot, "tests", "Multiprocessing.TestApp");

    /// <summary>The test app's build output folder.</summary>
    public static string OutputDir => Path.Combine(ProjectDir, "bin", Configuration, "net10.0");

    /// <summary>The dotnet muxer running these tests.</summary>
    public static string Dotnet { get; } =
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));

    /// <summary>Starts <paramref name="fileName"/> with redirected standard streams.</summary>
    public static Process Start(string fileName, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        // A build started here compiles in its own process tree (not in a compiler server another build started), so
        // that RunWhileItTalks sees its compiler work while it prints nothing; its MSBuild nodes end with it.
        info.Environment["UseSharedCompilation"] = "false";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach ((string k, string v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return Process.Start(info)!;
    }

    /// <summary>Starts the built test app with <c>dotnet</c>.</summary>
    public static Process StartDll(params string[] args) =>
        Start(Dotnet, [Path.Combine(OutputDir, "Multiprocessing.TestApp.dll"), .. args]);

    /// <summary>Reads lines until one starts with "child "; returns the pid on it.</summary>
    public static int ReadChildPid(Process parent)
    {
        Task<string?> line = parent.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(Patience), "the test app did not report its child in time");
        Assert.NotNull(line.Result);
        Assert.StartsWith("child ", line.Result);
        return int.Parse(line.Result["child ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs a process to its end and returns its exit code and output; fails the test, and kills the process's tree, if
    /// it prints nothing on either stream and its tree uses no processor time for <paramref name="silence"/> (by
    /// default two minutes), however long it runs: see <see cref="RunWhileItTalks"/>. A <c>dotnet build</c>,
    /// <c>publish</c> or app run takes longer the more loaded the machine is; a hang is what falls silent and idle.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string fileName, IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? silence = null) =>
        RunWhileItTalks(fileName, args, silence ?? Patience * 4, environment);

    /// <summary>
    /// Runs a long program to its end and returns its exit code and output; fails the test if the program prints
    /// nothing, on either stream, and neither it nor any process it started uses processor time, for
    /// <paramref name="silence"/>; or if it prints nothing for <see cref="SilentWorkFactor"/> times that, working or
    /// not (a spinning hang). For programs whose run time grows with the machine's load: their own sleeps (the tour),
    /// or a compiler that prints nothing until it ends (a <c>dotnet publish</c> at load 50 was silent for over two
    /// minutes while it compiled). A hang shows as silence and idleness, however long the run.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWhileItTalks(string fileName, IEnumerable<string> args, TimeSpan silence, IDictionary<string, string>? environment = null)
    {
        using Process p = Start(fileName, args, environment);
        long lastOutput = Environment.TickCount64;
        long lastWork = lastOutput;
        long cpu = ProcessTree.CpuTicks(p.Id);
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        Task readOut = Pump(p.StandardOutput, stdout);
        Task readErr = Pump(p.StandardError, stderr);
        while (!p.WaitForExit(TimeSpan.FromSeconds(1)))
        {
            long now = Environment.TickCount64;
            long cpuNow = ProcessTree.CpuTicks(p.Id);
            if (cpuNow > cpu)
            {
                cpu = cpuNow;
                lastWork = now;
            }

            long bound = (long)silence.TotalMilliseconds;
            long quiet = now - Volatile.Read(ref lastOutput);
            bool idle = now - lastWork > bound;
            if (quiet > bound && (idle || quiet > bound * SilentWorkFactor))
            {
                p.Kill(entireProcessTree: true);
                string said;
                lock (stdout)
                {
                    said = stdout.ToString();
                }

                string what = idle
                    ? $"printed nothing and used no processor time for {silence.TotalSeconds:0} s"
                    : $"printed nothing for {silence.TotalSeconds * SilentWorkFactor:0} s, though it kept working (spinning?)";
                Assert.Fail($"{fileName} {string.Join(' ', args)} {what}; its last output:\n{said[Math.Max(0, said.Length - 2000)..]}");
            }
        }

        Task.WaitAll(readOut, readErr);
        return (p.ExitCode, stdout.ToString(), stderr.ToString());

        async Task Pump(StreamReader reader, System.Text.StringBuilder into)
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (into)
                {
                    into.Append(line).Append('\n');
                }

                Volatile.Write(ref lastOutput, Environment.TickCount64);
            }
        }
    }

    /// <summary>How many silence bounds a program may go on working without printing anything before it counts as spinning in a hang.</summary>
    public const int SilentWorkFactor = 10;

    /// <summary>A pidfd for any process of ours, child or not: it polls readable once the process has exited. A process already gone (reaped) counts as exited.</summary>
    public static ProcessWatch Watch(int pid) => new(Multiprocessing.Synchronization.Liveness.TryOpen(pid));

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Multiprocessing.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }
}

/// <summary>Waits for a process's exit through a pidfd: asks the kernel, never guesses from time.</summary>
internal sealed class ProcessWatch(int pidfd) : IDisposable
{
    /// <summary>True if the process exits (or has exited) within <paramref name="timeout"/>.</summary>
    public unsafe bool WaitForExit(TimeSpan timeout)
    {
        if (pidfd < 0)
        {
            return true; // Gone before we looked.
        }

        var fd = new Libc.PollFd { Fd = pidfd, Events = Libc.POLLIN };
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            int left = (int)Math.Max(0, deadline - Environment.TickCount64);
            int rc = Libc.Poll(&fd, 1, left);
            if (rc > 0)
            {
                return true;
            }

            if (rc == 0 || Marshal.GetLastPInvokeError() != Libc.EINTR)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        if (pidfd >= 0)
        {
            Libc.Close(pidfd);
        }
    }
}
