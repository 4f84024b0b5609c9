using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Multiprocessing.Interop;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Connections;

/// <summary>Blocking waits for readability that a deadline or a token can end, without a timer loop.</summary>
internal sealed partial class SocketConnection
{
    /// <summary>An eventfd that a token's callback writes to, polled beside the socket; made at the first cancellable wait.</summary>
    private SafeFileHandle? wake;

    /// <summary>
    /// Waits until the socket is readable (a message, the end of the stream or an error is there), the deadline
    /// passes (false) or the token fires (<see cref="OperationCanceledException"/>). One <c>poll(2)</c> on the
    /// socket, and on an eventfd when the token can fire. Closing the connection from another thread ends the
    /// wait (the runtime shuts the socket down), and then the caller's next step reports the close.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    /// <exception cref="ObjectDisposedException">The connection is closed.</exception>
    private unsafe bool WaitReadable(Deadline deadline, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SafeFileHandle? wakeHandle = cancellationToken.CanBeCanceled ? Wake() : null;
        SafeSocketHandle handle = socket.SafeHandle;
        bool socketRef = false;
        bool wakeRef = false;
        CancellationTokenRegistration registration = default;
        try
        {
            handle.DangerousAddRef(ref socketRef);
            wakeHandle?.DangerousAddRef(ref wakeRef);
            if (wakeHandle is not null)
            {
                registration = cancellationToken.UnsafeRegister(static h => Signal((SafeFileHandle)h!), wakeHandle);
            }

            Libc.PollFd* fds = stackalloc Libc.PollFd[2];
            while (true)
            {
                fds[0] = new Libc.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = Libc.POLLIN };
                fds[1] = new Libc.PollFd { Fd = wakeHandle is null ? -1 : (int)wakeHandle.DangerousGetHandle(), Events = Libc.POLLIN };
                long remaining = deadline.RemainingMs;
                int rc = Libc.Poll(fds, wakeHandle is null ? 1u : 2u, (int)Math.Min(remaining, int.MaxValue));
                if (rc < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                    {
                        continue;
                    }

                    throw Libc.Error("poll");
                }

                if (fds[1].REvents != 0)
                {
                    Drain(wakeHandle!);
                    cancellationToken.ThrowIfCancellationRequested(); // else a late wake from an earlier wait: go on
                }

                if (fds[0].REvents != 0)
                {
                    return true;
                }

                if (rc == 0 && deadline.RemainingMs == 0)
                {
                    return false;
                }
            }
        }
        catch (ObjectDisposedException) when (IsClosed)
        {
            ThrowIfClosed();
            throw;
        }
        finally
        {
            registration.Dispose();
            if (wakeRef)
            {
                wakeHandle!.DangerousRelease();
            }

            if (socketRef)
            {
                handle.DangerousRelease();
            }
        }
    }

    private SafeFileHandle Wake()
    {
        if (wake is null)
        {
            int fd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            if (fd < 0)
            {
                throw Libc.Error("eventfd");
            }

            var created = new SafeFileHandle(fd, ownsHandle: true);
            if (Interlocked.CompareExchange(ref wake, created, null) is not null)
            {
                created.Dispose();
            }
            else if (IsClosed)
            {
                DisposeWake(); // closed while it was being made
                ThrowIfClosed();
            }
        }

        return wake!;
    }

    private void DisposeWake() => Interlocked.Exchange(ref wake, null)?.Dispose();

    private static unsafe void Signal(SafeFileHandle wakeHandle)
    {
        bool added = false;
        try
        {
            wakeHandle.DangerousAddRef(ref added);
            ulong one = 1;
            _ = Libc.Write((int)wakeHandle.DangerousGetHandle(), (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // The connection closed meanwhile: nobody waits on it any more.
        }
        finally
        {
            if (added)
            {
                wakeHandle.DangerousRelease();
            }
        }
    }

    private static unsafe void Drain(SafeFileHandle wakeHandle)
    {
        ulong value;
        _ = Libc.Read((int)wakeHandle.DangerousGetHandle(), (byte*)&value, sizeof(ulong));
    }
}
