using System.Diagnostics;
using System.Globalization;
using Multiprocessing.Interop;
using Multiprocessing.Sharing;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>A parent SIGKILLed with everything it can have leaves nothing behind: no process, no /dev/shm file, no socket folder.</summary>
public sealed class ParentKilledLeavesNothingTests
{
    /// <summary>The issue's bar: everything is gone this long after the parent's death.</summary>
    private static readonly TimeSpan Bar = TimeSpan.FromSeconds(5);

    [Fact]
    public void ParentKilledWithPoolChildManagerQueuesAndListener_LeavesNoProcessNoShmFileNoSocketFolder()
    {
        using var tmp = new TempDirectory();
        using Process parent = StartParent(tmp.Path);
        var watches = new Dictionary<int, ProcessWatch>();
        try
        {
            List<string> said = ReadUntilReady(parent);
            string listener = said.Single(l => l.StartsWith("listener ", StringComparison.Ordinal))["listener ".Length..];
            Assert.Equal(tmp.Path, Path.GetDirectoryName(Path.GetDirectoryName(listener)));

            // What the tree holds now: its processes (pool workers, the child, the manager, the tracker) and their segments.
            HashSet<int> tree = ProcessTree.Descendants(parent.Id);
            Assert.True(tree.Count >= 5, $"expected at least two pool workers, a child, a manager and the tracker; found pids {string.Join(", ", tree)}");
            foreach (int pid in tree)
            {
                watches[pid] = TestApp.Watch(pid);
            }

            HashSet<string> segments = [.. said.Where(l => l.StartsWith("shm ", StringComparison.Ordinal)).Select(l => l["shm ".Length..])];
            foreach (int pid in tree.Append(parent.Id))
            {
                segments.UnionWith(ShmFilesOpenIn(pid));
            }

            Assert.True(segments.Count >= 3, $"expected the queues' and the pool's segments; found {string.Join(", ", segments)}");
            Assert.Contains(segments, s => OverflowFilesOf(s).Any());
            string[] folders = Directory.GetDirectories(tmp.Path, SocketFolders.Prefix + "*");
            Assert.True(folders.Length >= 2, $"expected the listener's and the manager's socket folders in {tmp.Path}; found {string.Join(", ", folders)}");

            parent.Kill();
            Assert.True(parent.WaitForExit(TestApp.Patience), "the parent did not die of SIGKILL");

            var clock = Stopwatch.StartNew();
            string left;
            while ((left = WhatIsLeft(watches, segments, tmp.Path)).Length > 0 && clock.Elapsed < Bar)
            {
                Thread.Sleep(20); // The cleaning is other processes' work, which nothing here can wait on.
            }

            Assert.True(left.Length == 0, $"{Bar.TotalSeconds} s after the parent's SIGKILL, left: {left}");
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
            foreach ((int pid, ProcessWatch watch) in watches)
            {
                if (!watch.WaitForExit(TimeSpan.Zero))
                {
                    Libc.Kill(pid, Libc.SIGKILL);
                }

                watch.Dispose();
            }
        }
    }

    /// <summary>The test app in "leave-nothing" mode, with its own temp folder and no tracker of ours (it starts its own, under that folder).</summary>
    private static Process StartParent(string tmpdir)
    {
        var info = new ProcessStartInfo(TestApp.Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(TestApp.OutputDir, "Multiprocessing.TestApp.dll"));
        info.ArgumentList.Add("leave-nothing");
        info.Environment["TMPDIR"] = tmpdir;
        info.Environment.Remove(ResourceTracker.AddressVariable);
        return Process.Start(info)!;
    }

    private static List<string> ReadUntilReady(Process parent)
    {
        var lines = new List<string>();
        while (true)
        {
            Task<string?> line = parent.StandardOutput.ReadLineAsync();
            Assert.True(line.Wait(TestApp.Patience * 2), $"the test app did not get ready; it said: {string.Join(" | ", lines)}");
            if (line.Result is null)
            {
                Assert.Fail($"the test app exited before it was ready: {string.Join(" | ", lines)} {parent.StandardError.ReadToEnd()}");
            }

            if (line.Result == "ready")
            {
                return lines;
            }

            lines.Add(line.Result);
        }
    }

    private static List<string> ShmFilesOpenIn(int pid)
    {
        var files = new List<string>();
        try
        {
            foreach (string fd in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
            {
                try
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("/dev/shm/" + SegmentNames.Prefix, StringComparison.Ordinal) && !target.EndsWith(" (deleted)", StringComparison.Ordinal))
                    {
                        files.Add(target);
                    }
                }
                catch (IOException)
                {
                    // closed meanwhile
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }

        return files;
    }

    private static IEnumerable<string> OverflowFilesOf(string segment) =>
        Directory.EnumerateFiles(SegmentNames.Directory, Path.GetFileName(segment) + ".overflow-*");

    /// <summary>
    /// What is still there: processes of the tree, its segments and their overflow files, its socket folders. (Not the
    /// .NET runtime's own diagnostic pipes in the temp folder, <c>clr-debug-pipe-*</c> and <c>dotnet-diagnostic-*</c>,
    /// which any SIGKILLed .NET process leaves.)
    /// </summary>
    private static string WhatIsLeft(Dictionary<int, ProcessWatch> processes, HashSet<string> segments, string tmpdir)
    {
        IEnumerable<string> left =
            processes.Where(p => !p.Value.WaitForExit(TimeSpan.Zero)).Select(p => $"process {p.Key} ({ReadCommand(p.Key)})")
                .Concat(segments.Where(File.Exists))
                .Concat(segments.SelectMany(OverflowFilesOf))
                .Concat(Directory.EnumerateFileSystemEntries(tmpdir, SocketFolders.Prefix + "*"));
        return string.Join(", ", left);
    }

    private static string ReadCommand(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
