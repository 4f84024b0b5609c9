using Multiprocessing.Interop;

namespace Multiprocessing.Synchronization;

/// <summary>Asks the kernel whether a process is alive, through a pidfd: exact, and a zombie counts as dead.</summary>
internal static unsafe class Liveness
{
    /// <summary>Opens a pidfd, or returns -1 if the process no longer exists (ESRCH).</summary>
    public static int TryOpen(int pid) => Libc.TryPidfdOpen(pid);

    /// <summary>True while process <paramref name="pid"/> runs; false once it has exited, even if not yet reaped.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        int fd = TryOpen(pid);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            return !HasExited(fd);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>True if the process behind <paramref name="pidfd"/> has exited.</summary>
    public static bool HasExited(int pidfd)
    {
        var p = new Libc.PollFd { Fd = pidfd, Events = Libc.POLLIN };
        return Libc.Poll(&p, 1, 0) > 0;
    }
}
