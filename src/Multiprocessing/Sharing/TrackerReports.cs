using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Multiprocessing.Diagnostics;
using Multiprocessing.Interop;

namespace Multiprocessing.Sharing;

/// <summary>
/// What the resource tracker removed, told to the process that started it (as Python's resource_tracker warns about
/// leaked objects): the tracker writes one line per removal on its stdout, a pipe whose other end the starter reads on
/// the thread that reaps the tracker, and turns each line into a record of its process-wide
/// <see cref="MultiprocessingLogging.LoggerFactory"/>. A line is <c>S name</c> (the segment /dev/shm/name) or
/// <c>F name</c> (the socket folder name in the temp folder): names, as the tracker is told them.
/// </summary>
/// <remarks>
/// The tracker never waits for the starter: its stdout is non-blocking, a line the pipe cannot take is dropped, and
/// a starter that is gone (<c>EPIPE</c>; .NET ignores <c>SIGPIPE</c>) loses the lines. A line is far shorter than
/// <c>PIPE_BUF</c>, so the tracker's threads write whole lines that never interleave. With logging off, the starter
/// only reads the pipe.
/// </remarks>
internal static unsafe class TrackerReports
{
    /// <summary>
    /// The logger category of what the tracker removed: documented in docs/telemetry.md. The library's other categories
    /// are their public types' full names (<c>CreateLogger&lt;ProcessPool&gt;()</c>); the tracker has no public type.
    /// </summary>
    private const string Category = "Multiprocessing.ResourceTracker";
    private const int StdoutFd = 1;
    private const byte SegmentLine = (byte)'S';
    private const byte FolderLine = (byte)'F';

    /// <summary>In the tracker process, before it serves: its stdout must never block it.</summary>
    public static void PrepareTracker()
    {
        try
        {
            Libc.SetNonBlocking(StdoutFd, true);
        }
        catch (IOException)
        {
            // No stdout (not started by ResourceTracker.StartTracker): the writes fail, and the reports go nowhere.
        }
    }

    /// <summary>In the tracker process: reports that it removed the segment /dev/shm/<paramref name="file"/>.</summary>
    public static void RemovedSegment(string file) => Write(SegmentLine, file);

    /// <summary>In the tracker process: reports that it removed the socket folder <paramref name="name"/>.</summary>
    public static void RemovedFolder(string name) => Write(FolderLine, name);

    /// <summary>
    /// In the starting process: reads the tracker's reports from <paramref name="fd"/> (its stdout) and logs them,
    /// until the tracker exits (end of file); then closes <paramref name="fd"/>.
    /// </summary>
    public static void Relay(int fd)
    {
        try
        {
            Libc.SetNonBlocking(fd, false);
            var buffer = new byte[4096];
            int count = 0;
            while (true)
            {
                nint n;
                fixed (byte* p = buffer)
                {
                    n = Libc.Read(fd, p + count, buffer.Length - count);
                }

                if (n < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    return; // The tracker exited.
                }

                count += (int)n;
                int start = 0;
                for (int nl; (nl = buffer.AsSpan(start, count - start).IndexOf((byte)'\n')) >= 0; start += nl + 1)
                {
                    LogLine(buffer.AsSpan(start, nl));
                }

                if (start == 0 && count == buffer.Length)
                {
                    count = 0; // No line is this long: not a report.
                }
                else
                {
                    buffer.AsSpan(start, count - start).CopyTo(buffer);
                    count -= start;
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static void LogLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || line[1] != (byte)' ')
        {
            return;
        }

        try
        {
            // The factory of the moment (rare lines: no cache); with logging off, a NullLogger that does nothing.
            ILogger logger = MultiprocessingLogging.LoggerFactory.CreateLogger(Category);
            string name = Encoding.UTF8.GetString(line[2..]);
            switch (line[0])
            {
                case SegmentLine:
                    Log.TrackerRemovedSegment(logger, name);
                    break;
                case FolderLine:
                    Log.TrackerRemovedSocketFolder(logger, name);
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A provider that throws (or was disposed) must not end this process, nor stop the reading of the pipe.
        }
    }

    private static void Write(byte kind, string name)
    {
        Span<byte> line = stackalloc byte[2 + Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        line[0] = kind;
        line[1] = (byte)' ';
        int length = 2 + Encoding.UTF8.GetBytes(name, line[2..]);
        line[length++] = (byte)'\n';
        fixed (byte* p = line)
        {
            // One write of a whole line; dropped if the pipe is full or its reader gone: the tracker never waits.
            while (Libc.Write(StdoutFd, p, length) < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
            }
        }
    }
}
