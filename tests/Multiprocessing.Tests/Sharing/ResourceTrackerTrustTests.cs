using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Multiprocessing.Interop;
using Multiprocessing.Sharing;
using Multiprocessing.Tests.Support;
using Xunit.Abstractions;

namespace Multiprocessing.Tests.Sharing;

/// <summary>
/// The resource tracker obeys only its own user, and even then takes names, never paths: it removes nothing outside
/// /dev/shm and its temp folder, nothing that is not a segment (or a listener's socket folder) of its user.
/// </summary>
public sealed class ResourceTrackerTrustTests(ITestOutputHelper output)
{
    /// <summary>A user id that no account has, for a process that plays another local user.</summary>
    private const int StrangerUid = 47311;

    [Theory]
    [InlineData("mpnet-0123456789abcdef0123456789abcdef")]
    [InlineData("mpnet-t-queue-1.a_b")]
    [InlineData("mpnet-a..b")] // one component: ".." is only special alone
    [InlineData("mpnet-")]
    public void SegmentFileName_OfOurPattern_IsAccepted(string file) =>
        Assert.True(SegmentNames.IsFileName(file));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("mpnet")]
    [InlineData("other-file")]
    [InlineData("../../tmp/victim")]
    [InlineData("mpnet-x/../../../tmp/victim")]
    [InlineData("mpnet-../x")]
    [InlineData("/dev/shm/mpnet-x")]
    [InlineData("mpnet-x\0")]
    [InlineData("mpnet-x y")]
    [InlineData("mpnet-\u00e9")]
    public void SegmentFileName_OtherwiseIsRefused(string file) =>
        Assert.False(SegmentNames.IsFileName(file));

    [Fact]
    public void SegmentFileName_TooLong_IsRefused()
    {
        Assert.True(SegmentNames.IsFileName("mpnet-" + new string('a', 194)));
        Assert.False(SegmentNames.IsFileName("mpnet-" + new string('a', 195)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("queue")]
    [InlineData("a name with spaces/and a slash")]
    [InlineData("../../etc/passwd")]
    public void EveryFileThatPathOfMakes_IsAcceptedByTheTracker(string? name)
    {
        string path = SegmentNames.PathOf(name ?? SegmentNames.NewName());
        string file = SegmentNames.FileOf(path);
        Assert.True(SegmentNames.IsFileName(file), file);
        Assert.Equal(path, Path.Combine(SegmentNames.Directory, file));
    }

    [Theory]
    [InlineData("mpnet-AbC123", true)]
    [InlineData("mpnet-x", true)]
    [InlineData("mpnet-", false)]
    [InlineData("mpnet-abc/..", false)]
    [InlineData("mpnet-..", false)]
    [InlineData("mpnet-abc.def", false)]
    [InlineData("../mpnet-abcdef", false)]
    [InlineData("/tmp/mpnet-abcdef", false)]
    [InlineData("other-abcdef", false)]
    [InlineData("mpnet-0123456789abcdef0123456789abcdef", true)]
    [InlineData("mpnet-0123456789abcdef0123456789abcdef0", false)]
    public void SocketFolderName_OnlyOurPattern_IsAccepted(string name, bool accepted) =>
        Assert.Equal(accepted, SocketFolders.IsFolderName(name));

    [Fact]
    public void ListenerFolders_HaveNamesTheTrackerAccepts()
    {
        using Listener listener = Listener.Create();
        string folder = Path.GetDirectoryName(listener.Address.ToString())!;
        Assert.Equal(Path.GetFullPath(Path.GetTempPath()).TrimEnd('/'), Path.GetDirectoryName(folder));
        Assert.True(SocketFolders.IsFolderName(Path.GetFileName(folder)), folder);
    }

    [Fact]
    public void PeerCredentials_OfAConnectionFromThisProcess_AreThisUser()
    {
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint("\0mpnet-test-" + Guid.NewGuid().ToString("N")));
        server.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(server.LocalEndPoint!);
        using Socket accepted = server.Accept();
        Assert.True(ResourceTracker.IsOwnUser(accepted));
        Assert.True(ResourceTracker.IsOwnUser(client));
    }

    [Fact]
    public async Task PeerCredentials_OfAnotherUsersConnection_AreRefused()
    {
        if (!CanPlayAnotherUser())
        {
            return;
        }

        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string address = "mpnet-test-" + Guid.NewGuid().ToString("N");
        server.Bind(new UnixDomainSocketEndPoint("\0" + address));
        server.Listen(1);
        Task<Socket> accept = server.AcceptAsync();
        (int exit, string said, string errors) = RunAsStranger(address, "hello\n", wait: false);
        Assert.True(exit == 0, errors);
        Assert.Equal("sent", said.Trim());
        using Socket accepted = await accept.WaitAsync(Within.Deadline);
        Assert.False(ResourceTracker.IsOwnUser(accepted));
    }

    [Fact]
    public async Task AnotherUsersSocket_AtTheTrackersAddress_IsToldNothing_AndAProcessStartsItsOwnTracker()
    {
        if (!CanPlayAnotherUser())
        {
            return;
        }

        // Another user binds a tracker address a process will inherit (as after the tracker died and someone took its name).
        const string Squatter = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind("\0" + sys.argv[1])
            s.listen(4)
            print("listening", flush=True)
            s.settimeout(60)
            c, _ = s.accept()
            c.settimeout(10)
            data = b""
            try:
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    data += d
            except TimeoutError:
                pass
            print("received " + repr(data), flush=True)
            """;
        string address = "mpnet-tracker-" + Guid.NewGuid().ToString("N");
        using Process squatter = StartAsStranger(Squatter, address);
        Assert.Equal("listening", await squatter.StandardOutput.ReadLineAsync().WaitAsync(Within.Deadline));

        using ChildProcess<string?> child = ChildProcess.Start(
            static () =>
            {
                using SharedMemory memory = SharedMemory.Create(16);
                return Environment.GetEnvironmentVariable(ResourceTracker.AddressVariable);
            },
            new ChildProcessOptions { Environment = new Dictionary<string, string?> { [ResourceTracker.AddressVariable] = address } });
        string? used = child.ResultOrFail();

        Assert.True(squatter.WaitForExit(Within.Deadline), "the other user's socket was not connected to");
        Assert.Equal("received b''", (await squatter.StandardOutput.ReadToEndAsync()).Trim());
        Assert.NotNull(used);
        Assert.NotEqual(address, used);
    }

    [Fact]
    public void ThisUser_SendingPathsThatWalkOutOfDevShm_RemovesNothing()
    {
        using var attack = new TrackerTarget();

        // The old protocol (a path with the /dev/shm/mpnet- prefix, which ".." walked out of), and paths in place of names.
        attack.Send(
        [
            $"W /dev/shm/{attack.WalkDirectory}/../../..{attack.Victim}",
            $"W {attack.WalkDirectory}/../../..{attack.Victim}",
            $"W ../..{attack.Victim}",
            $"W {attack.Victim}",
        ]);
        attack.WaitForTheSentinel();

        Assert.True(File.Exists(attack.Victim), "the tracker removed a file outside /dev/shm");
    }

    [Fact]
    public void ThisUser_NamingALinkOrAFileThatIsNoSegment_RemovesNothing()
    {
        using var attack = new TrackerTarget();
        string link = ShmFiles.PathOf(ShmFiles.NewName("link"));
        string plain = ShmFiles.PathOf(ShmFiles.NewName("plain"));
        try
        {
            File.CreateSymbolicLink(link, attack.Victim);
            byte[] notASegment = new byte[256];
            Random.Shared.NextBytes(notASegment); // an id, but no magic
            File.WriteAllBytes(plain, notASegment);

            attack.Send(Named(link), Named(plain));
            attack.WaitForTheSentinel();

            Assert.True(File.Exists(attack.Victim), "the tracker followed a link");
            Assert.True(File.Exists(link), "the tracker removed a link that names no segment");
            Assert.True(File.Exists(plain), "the tracker removed a file without a segment header");
        }
        finally
        {
            File.Delete(link);
            File.Delete(plain);
        }
    }

    [Fact]
    public void ThisUser_NamingAnotherUsersSegment_RemovesNothing()
    {
        if (!CanPlayAnotherUser())
        {
            return;
        }

        using var attack = new TrackerTarget();
        string theirs = ShmFiles.PathOf(ShmFiles.NewName("theirs"));
        try
        {
            TrackerTarget.WriteSegmentFile(theirs);
            Assert.Equal(0, Chown(theirs, StrangerUid, StrangerUid));

            attack.Send(Named(theirs));
            attack.WaitForTheSentinel();

            Assert.True(File.Exists(theirs), "the tracker removed another user's segment");
        }
        finally
        {
            File.Delete(theirs);
        }
    }

    [Fact]
    public void AnotherUser_IsClosedUnread_AndItsPathsRemoveNothing()
    {
        if (!CanPlayAnotherUser())
        {
            return;
        }

        using var attack = new TrackerTarget();

        // What removed a file of root's before: a path with the old prefix that walks out of /dev/shm.
        string lines = $"W /dev/shm/{attack.WalkDirectory}/../../..{attack.Victim}\nW {attack.SentinelFile}\nW /dev/shm/{attack.SentinelFile}\n";
        (int exit, string said, string errors) = RunAsStranger(attack.Address, lines, wait: true);

        Assert.True(exit == 0, errors);
        Assert.Equal("closed", said.Trim());
        Assert.True(File.Exists(attack.Victim), "another user made the tracker remove a file of ours");
        Assert.True(File.Exists(attack.Sentinel), "the tracker obeyed another user's message");
    }

    [Fact]
    public void SocketFolder_OfAConnectionThatCloses_LosesOnlyItsSocket_AndBadNamesAreIgnored()
    {
        using var tracker = new TrackerTarget();
        string root = Path.GetTempPath();
        string withExtra = NewFolder();
        string plain = NewFolder();
        string outside = Path.Combine(Path.GetTempPath(), "mpnet-test-" + Guid.NewGuid().ToString("N"));
        string linkName = "mpnet-" + Guid.NewGuid().ToString("N")[..12];
        string link = Path.Combine(root, linkName);
        using Socket socket1 = BindSocketFile(Path.Combine(withExtra, SocketFolders.SocketFile));
        using Socket socket2 = BindSocketFile(Path.Combine(plain, SocketFolders.SocketFile));
        Directory.CreateDirectory(outside);
        using Socket socket3 = BindSocketFile(Path.Combine(outside, SocketFolders.SocketFile));
        File.WriteAllText(Path.Combine(withExtra, "keep"), "not the tracker's");
        Directory.CreateSymbolicLink(link, outside);
        try
        {
            using (Socket connection = tracker.Connect())
            {
                Send(
                    connection,
                    $"D {linkName}",
                    $"D ../{Path.GetFileName(outside)}",
                    $"D {outside}",
                    $"D {Path.GetFileName(outside)}",
                    $"D {Path.GetFileName(withExtra)}",
                    $"D {Path.GetFileName(plain)}");
            }

            // Removed when the connection closes, after the lines before it were handled.
            Assert.True(WaitUntil(() => !Directory.Exists(plain)), $"the tracker did not remove {plain}");
            Assert.False(File.Exists(Path.Combine(withExtra, SocketFolders.SocketFile)), "the socket file stays");
            Assert.True(File.Exists(Path.Combine(withExtra, "keep")), "the tracker removed a file it does not know");
            Assert.True(File.Exists(Path.Combine(outside, SocketFolders.SocketFile)), "the tracker followed a link or a path");
            Assert.True(Directory.Exists(link));
        }
        finally
        {
            File.Delete(link);
            Directory.Delete(outside, recursive: true);
            Directory.Delete(withExtra, recursive: true);
            if (Directory.Exists(plain))
            {
                Directory.Delete(plain, recursive: true);
            }
        }
    }

    [Fact]
    public void SocketFolder_ForgottenBeforeTheConnectionCloses_IsLeftAlone()
    {
        using var tracker = new TrackerTarget();
        string forgotten = NewFolder();
        string watched = NewFolder();
        try
        {
            using (Socket connection = tracker.Connect())
            {
                Send(connection, $"D {Path.GetFileName(forgotten)}", $"D {Path.GetFileName(watched)}", $"F {Path.GetFileName(forgotten)}");
            }

            Assert.True(WaitUntil(() => !Directory.Exists(watched)), $"the tracker did not remove {watched}");
            Assert.True(Directory.Exists(forgotten), "the tracker removed a folder its listener had withdrawn");
        }
        finally
        {
            Directory.Delete(forgotten, recursive: true);
            if (Directory.Exists(watched))
            {
                Directory.Delete(watched, recursive: true);
            }
        }
    }

    [Fact]
    public void ListenerOfAKilledChild_ItsSocketFolderIsRemoved()
    {
        using var dir = new TempDirectory();
        string said = Path.Combine(dir.Path, "address");
        using ChildProcess child = ChildProcess.Start(ChildBodies.ListenUntilKilled, said);
        Within.WaitForFile(said, child);
        string folder = Path.GetDirectoryName(File.ReadAllText(said))!;
        Assert.True(Directory.Exists(folder));

        child.Kill();
        child.JoinOrFail();

        Assert.True(WaitUntil(() => !Directory.Exists(folder)), $"{folder} outlived the SIGKILLed process that made it");
    }

    [Fact]
    public void ListenerClosed_RemovesItsFolder_AndANewFolderOfThatNameIsNotTheTrackers()
    {
        // The child closes its listener, then a folder of the same name appears (another listener's, that took the
        // free name), and the child exits: the tracker must not take that folder for the closed listener's.
        using var tracker = new TrackerTarget(); // the child inherits this process's tracker
        using ChildProcess<string> child = ChildProcess.Start(static () =>
        {
            Listener listener = Listener.Create();
            string folder = Path.GetDirectoryName(listener.Address.ToString())!;
            listener.Dispose();
            Directory.CreateDirectory(folder);
            return folder;
        });
        string folder = child.ResultOrFail();
        try
        {
            Assert.Equal(0, child.ExitCode);

            // A folder reported on a connection made after the child's exit: the tracker removes it after the child's
            // connection has closed. (It handles connections on separate threads, so this orders them only loosely:
            // a broken tracker may pass by luck, a correct one never fails by it.)
            string marker = NewFolder();
            using (Socket connection = tracker.Connect())
            {
                Send(connection, $"D {Path.GetFileName(marker)}");
            }

            Assert.True(WaitUntil(() => !Directory.Exists(marker)));
            Assert.True(Directory.Exists(folder), "the tracker removed a folder that was no longer the closed listener's");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder);
            }
        }
    }

    /// <summary>Lines that name the segment file at <paramref name="path"/> in this protocol (its name) and in the old one (its path), which took paths.</summary>
    private static string[] Named(string path) => [$"W {Path.GetFileName(path)}", $"W {path}"];

    /// <summary>A folder as a listener makes it, under this process's temp folder (the tracker's: it inherited our environment).</summary>
    private static string NewFolder() => Directory.CreateTempSubdirectory(SocketFolders.Prefix).FullName;

    private static Socket BindSocketFile(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static void Send(Socket connection, params string[] lines) =>
        connection.Send(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));

    /// <summary>Polls <paramref name="done"/> until it holds or 30 s pass: the tracker's work is in another process that nothing here can wait on.</summary>
    private static bool WaitUntil(Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > Within.Deadline)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    /// <summary>Whether this process may start one as another user (it is root, and setpriv and python3 are there); says why not otherwise.</summary>
    private bool CanPlayAnotherUser()
    {
        if (Libc.GetEffectiveUid() != 0 || !File.Exists("/usr/bin/setpriv") || !File.Exists("/usr/bin/python3"))
        {
            output.WriteLine("Not checked with another user: that needs root, /usr/bin/setpriv and /usr/bin/python3.");
            return false;
        }

        return true;
    }

    /// <summary>
    /// Runs, as user <see cref="StrangerUid"/>, a client that connects to the abstract socket <paramref name="address"/>,
    /// sends <paramref name="lines"/>, then (with <paramref name="wait"/>) prints "closed" if the server closes the
    /// connection, "open" if it is still open 10 s later.
    /// </summary>
    private static (int Exit, string Stdout, string Stderr) RunAsStranger(string address, string lines, bool wait)
    {
        const string Script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect("\0" + sys.argv[1])
            try:
                s.sendall(sys.argv[2].encode())
            except OSError:
                pass
            if sys.argv[3] != "wait":
                print("sent")
                sys.exit(0)
            s.settimeout(10)
            try:
                print("closed" if s.recv(1) == b"" else "data")
            except TimeoutError:
                print("open")
            except OSError:
                print("closed")
            """;
        using Process p = StartAsStranger(Script, address, lines, wait ? "wait" : "send");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(Within.Deadline), "the other user's client did not finish");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts <c>python3 -c <paramref name="script"/> <paramref name="args"/></c> as user <see cref="StrangerUid"/>, its output redirected.</summary>
    private static Process StartAsStranger(string script, params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (string a in (string[])[$"--reuid={StrangerUid}", $"--regid={StrangerUid}", "--clear-groups", "/usr/bin/python3", "-c", script, .. args])
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    [DllImport("libc.so.6", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown(string path, int uid, int gid);

    /// <summary>
    /// This process's tracker, and the pieces of an attack on it: a victim file outside /dev/shm that looks like a
    /// segment, a directory in /dev/shm to walk out of, and a sentinel segment file that nobody holds, which the
    /// tracker removes at once when told: once it is gone, the lines sent before it on the same connection were handled.
    /// </summary>
    private sealed class TrackerTarget : IDisposable
    {
        private readonly SharedMemory keepsTheTracker;
        private readonly string victimDirectory;
        private Socket? connection;

        public TrackerTarget()
        {
            // Creating a segment starts the tracker if this process has none, and sets its address.
            keepsTheTracker = SharedMemory.Create(16);
            Address = Environment.GetEnvironmentVariable(ResourceTracker.AddressVariable)!;
            Assert.NotNull(Address);

            victimDirectory = Directory.CreateTempSubdirectory("tracker-victim-").FullName;
            Victim = Path.Combine(victimDirectory, "victim");
            WriteSegmentFile(Victim);
            WalkDirectory = Prefix + "walk-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(Path.Combine(ShmFiles.Directory, WalkDirectory));
            SentinelFile = Prefix + "sentinel-" + Guid.NewGuid().ToString("N");
            WriteSegmentFile(Sentinel);
        }

        public string Address { get; }

        /// <summary>A file of ours outside /dev/shm, with a segment header.</summary>
        public string Victim { get; }

        /// <summary>A directory's name in /dev/shm with the segment prefix.</summary>
        public string WalkDirectory { get; }

        public string SentinelFile { get; }

        public string Sentinel => Path.Combine(ShmFiles.Directory, SentinelFile);

        private static string Prefix => ShmFiles.Prefix + "t-";

        /// <summary>Writes a file that starts with a segment header (magic, version, an id), as a segment of this user.</summary>
        public static void WriteSegmentFile(string path)
        {
            var header = new SegmentHeader
            {
                Magic = SegmentHeader.MagicValue,
                Kind = SegmentKind.Raw,
                Version = SegmentHeader.CurrentVersion,
                Id = Random.Shared.NextInt64(1, long.MaxValue),
            };
            byte[] bytes = new byte[SegmentHeader.Size + 64];
            MemoryMarshal.Write(bytes, in header);
            File.WriteAllBytes(path, bytes);
        }

        public Socket Connect()
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint("\0" + Address));
            return socket;
        }

        /// <summary>Sends lines on one connection, then the sentinel (as a name and as an old-style path, so that either protocol removes it).</summary>
        public void Send(params IEnumerable<string>[] lines)
        {
            connection ??= Connect();
            ResourceTrackerTrustTests.Send(connection, [.. lines.SelectMany(l => l), $"W {SentinelFile}", $"W {Sentinel}"]);
        }

        public void WaitForTheSentinel() =>
            Assert.True(WaitUntil(() => !File.Exists(Sentinel)), "the tracker did not remove the sentinel segment");

        public void Dispose()
        {
            connection?.Dispose();
            keepsTheTracker.Dispose();
            Directory.Delete(victimDirectory, recursive: true);
            Directory.Delete(Path.Combine(ShmFiles.Directory, WalkDirectory));
            File.Delete(Sentinel);
        }
    }
}
