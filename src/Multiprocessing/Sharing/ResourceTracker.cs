using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Multiprocessing.Interop;
using Multiprocessing.Processes;

namespace Multiprocessing.Sharing;

/// <summary>
/// Removes shared-memory segments whose last user died without closing them (Python's resource_tracker), and the
/// socket folders of listeners whose process died without closing them. One small tracker process serves a process
/// tree: the first process that creates or opens a segment, or creates a listener, starts it, and its address is
/// inherited by children through <see cref="AddressVariable"/>. For every segment it is told about, the tracker
/// blocks in <c>flock(LOCK_EX)</c>, which the kernel grants once no process holds the segment's shared lock any
/// more — that is, once every user has closed it or died, however it died — and then unlinks it. A socket folder
/// belongs to the connection that reported it: when that connection closes (its process exited or was killed)
/// without having withdrawn the folder, the tracker removes it. The tracker ignores SIGINT and SIGTERM, and exits
/// when it watches nothing and no process is connected. Each removal is logged by the process that started the
/// tracker (<see cref="TrackerReports"/>).
/// </summary>
/// <remarks>
/// <para>
/// The tracker trusts no one but its own user. Its socket is in Linux's abstract namespace, where any local process
/// can see its name (<c>/proc/net/unix</c>) and connect, so it reads the kernel's credentials of every peer
/// (<c>SO_PEERCRED</c>) and closes a connection from another user before reading a byte; the clients check the
/// tracker's credentials the same way, so that another user's socket squatting the name of a dead tracker gets
/// nothing. (An abstract socket rather than a file in a private folder: a file would itself be something to clean
/// up when the tracker is killed, and the peer check is what guards either kind.)
/// </para>
/// <para>
/// Even from its own user it accepts names, never paths: a segment's file name (<see cref="SegmentNames.IsFileName"/>),
/// which it looks for under /dev/shm only, and a socket folder's name (<see cref="SocketFolders.IsFolderName"/>),
/// which it looks for under its own temp folder only. Before it removes a segment it opens it without following a
/// symbolic link and checks that it is a regular file owned by this user, starting with a segment header; before it
/// removes a socket folder, that it is still the directory it was told about, owned by this user, and it removes
/// only the socket file in it, and the folder if that left it empty.
/// </para>
/// <para>
/// The protocol is one line per message: <c>W name</c> (watch the segment /dev/shm/name), <c>D name</c> (remove the
/// socket folder $TMPDIR/name when this connection closes) and <c>F name</c> (forget that folder: its listener
/// removed it).
/// </para>
/// </remarks>
internal static class ResourceTracker
{
    /// <summary>Abstract Unix socket address of this tree's tracker.</summary>
    public const string AddressVariable = "MULTIPROCESSING_TRACKER";

    /// <summary>Set in the tracker process itself: the address to listen on.</summary>
    public const string ServeVariable = "MULTIPROCESSING_TRACKER_SERVE";

    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    private static readonly Lock Gate = new();
    private static Socket? connection;

    /// <summary>Asks the tracker to remove the segment file at <paramref name="path"/> (under /dev/shm) once its last user is gone.</summary>
    public static void Watch(string path) => Send("W " + SegmentNames.FileOf(path) + "\n", start: true);

    /// <summary>
    /// Asks the tracker to remove the socket folder <paramref name="name"/> (in the temp folder, see
    /// <see cref="SocketFolders"/>) if this process ends before it calls <see cref="ForgetFolder"/>. Linux only;
    /// elsewhere it does nothing.
    /// </summary>
    public static void WatchFolder(string name)
    {
        if (OperatingSystem.IsLinux())
        {
            Send("D " + name + "\n", start: true);
        }
    }

    /// <summary>Tells the tracker that this process removed the socket folder <paramref name="name"/> itself; best effort.</summary>
    public static void ForgetFolder(string name)
    {
        if (OperatingSystem.IsLinux())
        {
            Send("F " + name + "\n", start: false);
        }
    }

    /// <summary>
    /// True if the process at the other end of the Unix socket <paramref name="socket"/> runs as this process's
    /// effective user, by the credentials the kernel recorded when the connection was made (<c>SO_PEERCRED</c>).
    /// </summary>
    internal static bool IsOwnUser(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> credentials = stackalloc byte[12];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) != credentials.Length)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            return false;
        }

        return BitConverter.ToUInt32(credentials[4..]) == Libc.GetEffectiveUid();
    }

    /// <summary>Sends <paramref name="message"/> to the tracker, starting one if there is none and <paramref name="start"/> is set; without <paramref name="start"/>, drops the message if this process has no tracker.</summary>
    private static void Send(string message, bool start)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        lock (Gate)
        {
            if (!start && connection is null)
            {
                return;
            }

            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    connection ??= Connect();
                    connection.Send(bytes);
                    return;
                }
                catch (SocketException) when (attempt == 0 && start)
                {
                    // The tracker exited (it had nothing left to watch) or died: start a new one.
                    connection?.Dispose();
                    connection = null;
                    Environment.SetEnvironmentVariable(AddressVariable, null);
                }
                catch (SocketException) when (!start)
                {
                    return; // Best effort: a tracker that is gone forgets everything anyway.
                }
            }
        }
    }

    private static Socket Connect()
    {
        string? address = Environment.GetEnvironmentVariable(AddressVariable);
        if (address is not null)
        {
            try
            {
                return ConnectTo(address);
            }
            catch (SocketException)
            {
                // Gone: start our own below.
            }
        }

        address = "mpnet-tracker-" + Guid.NewGuid().ToString("N");
        StartTracker(address);
        Environment.SetEnvironmentVariable(AddressVariable, address);
        return ConnectTo(address);
    }

    /// <summary>An address in the abstract namespace (a leading NUL, which environment variables cannot carry): no file to clean up.</summary>
    private static UnixDomainSocketEndPoint Endpoint(string address) => new("\0" + address);

    private static Socket ConnectTo(string address)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(Endpoint(address));
            if (!IsOwnUser(socket))
            {
                // Another user's socket has this name (the tracker died, and someone took it): tell it nothing.
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts the tracker and waits until it listens.</summary>
    private static unsafe void StartTracker(string address)
    {
        SpawnedChild tracker = Spawner.Spawn(LaunchPlan.Current, new Dictionary<string, string?> { [ServeVariable] = address });
        try
        {
            // The tracker writes one byte on its control socket once it listens; EOF means it died.
            Libc.SetNonBlocking(tracker.Control, false);
            byte ready;
            nint n;
            while ((n = Libc.Read(tracker.Control, &ready, 1)) < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
            }

            if (n != 1)
            {
                var error = new byte[4096];
                nint got;
                fixed (byte* p = error)
                {
                    got = Libc.Read(tracker.Stderr, p, error.Length);
                }

                throw new IOException("The shared memory resource tracker process failed to start: " + Encoding.UTF8.GetString(error, 0, (int)Math.Max(0, got)));
            }
        }
        catch
        {
            Libc.Close(tracker.Stdout);
            throw;
        }
        finally
        {
            Libc.Close(tracker.Control);
            Libc.Close(tracker.Stderr);
        }

        // Log what it removes (its stdout, until it exits), then reap it, so that it never lingers as a zombie of ours.
        var reaper = new Thread(() =>
        {
            TrackerReports.Relay(tracker.Stdout);
            var fd = new Libc.PollFd { Fd = tracker.Pidfd, Events = Libc.POLLIN };
            while (Libc.Poll(&fd, 1, -1) < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
            }

            Libc.TryReap(tracker.Pidfd);
            Libc.Close(tracker.Pidfd);
        })
        {
            IsBackground = true,
            Name = "Multiprocessing tracker reaper",
        };
        reaper.UnsafeStart();
    }

    /// <summary>The tracker process's main loop: returns when it has nothing left to do.</summary>
    public static void Serve(string address, int controlFd)
    {
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = true);
        var server = new TrackerServer();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(Endpoint(address));
        listener.Listen(64);
        server.Listener = listener;
        TrackerReports.PrepareTracker();
        unsafe
        {
            byte one = 1;
            Libc.Write(controlFd, &one, 1);
        }

        Libc.Close(controlFd);
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // Closed by ExitIfIdle: nothing watched, nobody connected.
            }

            if (!IsOwnUser(client))
            {
                client.Dispose(); // Another user: not a byte is read.
                continue;
            }

            server.Serve(client);
        }
    }

    /// <summary>State of the tracker process.</summary>
    private sealed class TrackerServer
    {
        private readonly Lock gate = new();
        private readonly HashSet<(string File, long Id)> watching = [];
        private readonly string tempFolder = Path.GetTempPath();
        private int clients;

        public Socket? Listener { get; set; }

        public void Serve(Socket client)
        {
            lock (gate)
            {
                clients++;
            }

            Start(() =>
            {
                // The socket folders this connection reported and has not withdrawn: removed when it closes.
                var folders = new Dictionary<string, FileStatus>(StringComparer.Ordinal);
                using (var reader = new StreamReader(new NetworkStream(client, ownsSocket: true), Encoding.UTF8))
                {
                    try
                    {
                        while (reader.ReadLine() is { } line)
                        {
                            Handle(line, folders);
                        }
                    }
                    catch (IOException)
                    {
                    }
                }

                foreach ((string name, FileStatus folder) in folders)
                {
                    if (SocketFolders.Remove(tempFolder, name, folder))
                    {
                        TrackerReports.RemovedFolder(name);
                    }
                }

                lock (gate)
                {
                    clients--;
                }

                ExitIfIdle();
            });
        }

        private void Handle(string line, Dictionary<string, FileStatus> folders)
        {
            if (line.Length < 2 || line[1] != ' ')
            {
                return;
            }

            string name = line[2..];
            switch (line[0])
            {
                case 'W':
                    Watch(name);
                    break;
                case 'D':
                    if (SocketFolders.Inspect(tempFolder, name) is { } folder)
                    {
                        folders[name] = folder;
                    }

                    break;
                case 'F':
                    folders.Remove(name);
                    break;
            }
        }

        private void Watch(string file)
        {
            if (!SegmentNames.IsFileName(file))
            {
                return; // A name of ours, or nothing: never a path.
            }

            string path = SegmentNames.Directory + "/" + file;
            int fd = OpenOwnSegment(path, out SegmentHeader header, out FileStatus status);
            if (fd < 0)
            {
                return;
            }

            long id = header.Id;
            SegmentKind kind = header.Kind;
            lock (gate)
            {
                if (!watching.Add((file, id)))
                {
                    Libc.Close(fd);
                    return;
                }
            }

            Start(() =>
            {
                // Granted once no process holds the segment's shared lock: every user closed it or died.
                Libc.FlockRetry(fd, Libc.LOCK_EX);

                // Still this very file (it is open here, so its inode cannot be reused), not a newer segment that took the name?
                if (Libc.LinkStatusOf(path) is { } now && now.IsSameFile(status) && Libc.Unlink(path) == 0)
                {
                    TrackerReports.RemovedSegment(file);
                }

                Segment.RemoveCompanionFiles(path, kind, id);

                Libc.Close(fd);
                lock (gate)
                {
                    watching.Remove((file, id));
                }

                ExitIfIdle();
            });
        }

        /// <summary>
        /// Opens the segment at <paramref name="path"/> for the watch, if it is one of this user's: not a symbolic
        /// link (<c>O_NOFOLLOW</c>), a regular file (never blocks on a FIFO: <c>O_NONBLOCK</c>), owned by this user,
        /// starting with a segment header (magic and an id). Returns the descriptor, or -1.
        /// </summary>
        private static int OpenOwnSegment(string path, out SegmentHeader header, out FileStatus status)
        {
            header = default;
            status = default;
            int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                return -1;
            }

            if (Libc.StatusOf(fd) is { IsRegularFile: true } s && s.Uid == Libc.GetEffectiveUid()
                && Segment.ReadHeader(fd) is { Magic: SegmentHeader.MagicValue, Id: not 0 } h)
            {
                header = h;
                status = s;
                return fd;
            }

            Libc.Close(fd);
            return -1;
        }

        private void ExitIfIdle()
        {
            lock (gate)
            {
                if (watching.Count == 0 && clients == 0)
                {
                    Listener?.Dispose();
                }
            }
        }

        private static void Start(Action work) => new Thread(() => work()) { IsBackground = true }.UnsafeStart();
    }
}
