using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Multiprocessing.Interop;
using Multiprocessing.Processes;

namespace Multiprocessing;

public partial class ChildProcess
{
    private readonly OutputForwarder stdout = new(isError: false);
    private readonly OutputForwarder stderr = new(isError: true);
    private int pidfd = -1;
    private Diagnostics.ProcessMetrics? startMetrics;
    private long startingAt;

    /// <summary>Builds the exception for a child that exited without delivering a result.</summary>
    /// <summary>The child's last lines on stderr (what a crash printed), for the exception that reports its death.</summary>
    internal string StderrTail() => stderr.Tail();

    private protected ProcessDiedException DiedWithoutResult() =>
        new(Name, Pid, ExitCode ?? 0, stderr.Tail());

    /// <summary>Measures this start in <paramref name="metrics"/> (from now until the start frame is written), if a listener measures starts.</summary>
    private void MeasureStart(Diagnostics.ProcessMetrics metrics)
    {
        startMetrics = metrics;
        startingAt = metrics.Starting();
    }

    private void Launch(LaunchPlan plan, byte[] startFrame, IReadOnlyDictionary<string, string?>? environment, Connections.PipeConnection.Transit pipeEnds)
    {
        SpawnedChild spawned;
        try
        {
            spawned = SparePool.Take(plan, environment);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Diagnostics.Log.ChildStartFailed(loggerFactory.CreateLogger<ChildProcess>(), Name, e);
            throw;
        }

        pipeEnds.AddressTo(spawned.Pid); // Before the start frame goes: the child cannot have taken them yet.
        Pid = spawned.Pid;
        pidfd = spawned.Pidfd;
        lock (Active)
        {
            Active.Add(this);
        }

        byte[] firstFrames = FirstFrames(startFrame);
        var monitor = new Thread(() => Monitor(spawned, firstFrames))
        {
            IsBackground = true,
            Name = $"{Name} monitor",
        };
        monitor.UnsafeStart();
    }

    private void Signal(int signal)
    {
        lock (gate)
        {
            if (exitCode is null && pidfd >= 0)
            {
                Libc.PidfdSendSignal(pidfd, signal);
            }
        }
    }

    /// <summary>
    /// One thread per child: sends the start frame, forwards stdout and stderr line by line, collects the
    /// control socket's frames, and on exit drains everything before it publishes the exit code.
    /// </summary>
    private unsafe void Monitor(SpawnedChild child, byte[] startFrame)
    {
        var control = new List<byte>();
        byte[] buffer = new byte[64 * 1024];
        int sent = 0;
        int outFd = child.Stdout, errFd = child.Stderr, ctlFd = child.Control;
        Libc.PollFd* fds = stackalloc Libc.PollFd[4];
        try
        {
            while (true)
            {
                fds[0] = new Libc.PollFd { Fd = child.Pidfd, Events = Libc.POLLIN };
                fds[1] = new Libc.PollFd { Fd = outFd, Events = Libc.POLLIN };
                fds[2] = new Libc.PollFd { Fd = errFd, Events = Libc.POLLIN };
                fds[3] = new Libc.PollFd { Fd = ctlFd, Events = (short)(Libc.POLLIN | (sent < startFrame.Length ? Libc.POLLOUT : 0)) };
                if (Libc.Poll(fds, 4, -1) < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                    {
                        continue;
                    }

                    throw Libc.Error("poll");
                }

                if (fds[1].REvents != 0 && !Drain(ref outFd, buffer, stdout.Append))
                {
                    stdout.Flush();
                }

                if (fds[2].REvents != 0 && !Drain(ref errFd, buffer, stderr.Append))
                {
                    stderr.Flush();
                }

                if ((fds[3].REvents & Libc.POLLOUT) != 0)
                {
                    sent += WriteSome(ctlFd, startFrame.AsSpan(sent));
                    if (sent == startFrame.Length)
                    {
                        startMetrics?.Started(startingAt); // The child has its call: it runs.
                    }
                }

                if ((fds[3].REvents & (Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR)) != 0)
                {
                    Drain(ref ctlFd, buffer, chunk => control.AddRange(chunk));
                    RelayLogFrames(control);
                }

                if (fds[0].REvents != 0)
                {
                    break;
                }
            }

            // The child has exited: everything it wrote is in the pipes now. Take it all, then publish.
            Drain(ref outFd, buffer, stdout.Append);
            Drain(ref errFd, buffer, stderr.Append);
            Drain(ref ctlFd, buffer, chunk => control.AddRange(chunk));
            stdout.Flush();
            stderr.Flush();
            TakeFrames(CollectionsMarshal.AsSpan(control));
        }
        finally
        {
            CloseIfOpen(outFd);
            CloseIfOpen(errFd);
            CloseIfOpen(ctlFd);
            int? code = null;
            try
            {
                code = Libc.TryReap(child.Pidfd);
            }
            catch (IOException)
            {
            }

            lock (gate)
            {
                exitCode = code ?? -Libc.SIGKILL;
                Libc.Close(pidfd);
                pidfd = -1;
            }

            lock (Active)
            {
                Active.Remove(this);
            }

            exited.TrySetResult();
            if (SparePool.Target > 0)
            {
                SparePool.Refill();
            }
        }
    }

    /// <summary>Takes the frames the child sent: its log records (relayed) and its last word (result, error or mismatch).</summary>
    private void TakeFrames(ReadOnlySpan<byte> control)
    {
        while (Frames.TryParse(control, out FrameKind kind, out int length))
        {
            TakeFrame(kind, control.Slice(Frames.HeaderSize, length));
            control = control[(Frames.HeaderSize + length)..];
        }
    }

    private void TakeFrame(FrameKind kind, ReadOnlySpan<byte> payload)
    {
        switch (kind)
        {
            case FrameKind.Log:
                RelayLog(payload);
                break;
            case FrameKind.Result:
                ResultPayload = payload.ToArray();
                break;
            case FrameKind.Error:
                try
                {
                    Exception = new RemoteException(Codec.WireCodec.Deserialize<RemoteExceptionInfo>(payload.ToArray()), Name, Pid);
                }
                catch (Exception e) when (Codec.WireCodec.IsDecodeFailure(e))
                {
                    // Thrown here, it would end this process (a monitor thread); reported, it ends nothing.
                    Exception = Codec.WireCodec.DecodeFailure($"The exception {Name} (pid {Pid}) reported could not be decoded", e);
                }

                break;
            case FrameKind.Mismatch:
                Exception = new VersionMismatchException($"{Name} (pid {Pid}): {System.Text.Encoding.UTF8.GetString(payload)}");
                break;
        }
    }

    /// <summary>Reads what a non-blocking descriptor has; returns false (and closes it) at end of stream.</summary>
    private static unsafe bool Drain(ref int fd, byte[] buffer, ReadOnlySpanAction handler)
    {
        if (fd < 0)
        {
            return false;
        }

        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.Read(fd, p, buffer.Length);
                if (n > 0)
                {
                    handler(buffer.AsSpan(0, (int)n));
                    continue;
                }

                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    if (errno == Libc.EAGAIN)
                    {
                        return true;
                    }
                }

                // End of stream (or an error that means the same).
                Libc.Close(fd);
                fd = -1;
                return false;
            }
        }
    }

    private static unsafe int WriteSome(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            nint n = Libc.Write(fd, p, data.Length);
            return n > 0 ? (int)n : 0;
        }
    }

    private static void CloseIfOpen(int fd)
    {
        if (fd >= 0)
        {
            Libc.Close(fd);
        }
    }

    private delegate void ReadOnlySpanAction(ReadOnlySpan<byte> chunk);
}
