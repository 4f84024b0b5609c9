using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Multiprocessing.Interop;
using Multiprocessing.Processes;

namespace Multiprocessing.Shared;

/// <summary>
/// Removes shared-memory segments whose last user died without closing them (Python's resource_tracker). One
/// small tracker process serves a process tree: the first process that creates or opens a segment starts it, and
/// its address is inherited by children through <see cref="AddressVariable"/>. For every segment it is told about,
/// the tracker blocks in <c>flock(LOCK_EX)</c>, which the kernel grants once no process holds the segment's
/// shared lock any more — that is, once every user has closed it or died, however it died — and then unlinks it.
/// The tracker ignores SIGINT and SIGTERM, and exits when it watches nothing and no process is connected.
/// </summary>
internal static class ResourceTracker
{
    /// <summary>Abstract Unix socket address of this tree's tracker.</summary>
    public const string AddressVariable = "MULTIPROCESSING_TRACKER";

    /// <summary>Set in the tracker process itself: the address to listen on.</summary>
    public const string ServeVariable = "MULTIPROCESSING_TRACKER_SERVE";

    private static readonly Lock Gate = new();
    private static Socket? connection;

    /// <summary>Asks the tracker to remove <paramref name="path"/> once its last user is gone.</summary>
    public static void Watch(string path)
    {
        byte[] message = Encoding.UTF8.GetBytes("W " + path + "\n");
        lock (Gate)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    connection ??= Connect();
                    connection.Send(message);
                    return;
                }
                catch (SocketException) when (attempt == 0)
                {
                    // The tracker exited (it had nothing left to watch) or died: start a new one.
                    connection?.Dispose();
                    connection = null;
                    Environment.SetEnvironmentVariable(AddressVariable, null);
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
        Libc.Close(tracker.Stdout);
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
        finally
        {
            Libc.Close(tracker.Control);
            Libc.Close(tracker.Stderr);
        }

        // Reap it whenever it exits, so that it never lingers as a zombie of ours.
        var reaper = new Thread(() =>
        {
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

            server.Serve(client);
        }
    }

    /// <summary>State of the tracker process.</summary>
    private sealed class TrackerServer
    {
        private readonly Lock gate = new();
        private readonly HashSet<(string Path, long Id)> watching = [];
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
                using var reader = new StreamReader(new NetworkStream(client, ownsSocket: true), Encoding.UTF8);
                try
                {
                    while (reader.ReadLine() is { } line)
                    {
                        if (line.StartsWith("W ", StringComparison.Ordinal))
                        {
                            Watch(line[2..]);
                        }
                    }
                }
                catch (IOException)
                {
                }

                lock (gate)
                {
                    clients--;
                }

                ExitIfIdle();
            });
        }

        private void Watch(string path)
        {
            if (!path.StartsWith(SegmentNames.Directory + "/" + SegmentNames.Prefix, StringComparison.Ordinal))
            {
                return; // Only ever touch our own files.
            }

            int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                return;
            }

            long id = Segment.ReadId(fd);
            SegmentKind kind = Segment.ReadKind(fd);
            lock (gate)
            {
                if (id == 0 || !watching.Add((path, id)))
                {
                    Libc.Close(fd);
                    return;
                }
            }

            Start(() =>
            {
                // Granted once no process holds the segment's shared lock: every user closed it or died.
                Libc.FlockRetry(fd, Libc.LOCK_EX);
                if (Segment.ReadIdAt(path) == id)
                {
                    Libc.Unlink(path);
                }

                Segment.RemoveCompanionFiles(path, kind, id);

                Libc.Close(fd);
                lock (gate)
                {
                    watching.Remove((path, id));
                }

                ExitIfIdle();
            });
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
