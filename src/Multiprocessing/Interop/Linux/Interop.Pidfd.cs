using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "waitid", SetLastError = true)]
    private static unsafe partial int WaitId(int idType, int id, byte* info, int options);

    /// <summary>Opens a pidfd for <paramref name="pid"/> (Linux 5.3+), a descriptor that polls readable when the process exits.</summary>
    public static int PidfdOpen(int pid)
    {
        int fd = TryPidfdOpen(pid);
        return fd >= 0 ? fd : throw Error("pidfd_open"); // ESRCH, still the last error
    }

    /// <summary>As <see cref="PidfdOpen"/>, but returns -1 if the process no longer exists (ESRCH).</summary>
    public static int TryPidfdOpen(int pid)
    {
        long fd = Syscall(SyscallNumbers.Checked(SyscallNumbers.PidfdOpen), pid, 0, 0, 0);
        if (fd >= 0)
        {
            return (int)fd;
        }

        return Marshal.GetLastPInvokeError() == ESRCH ? -1 : throw Error("pidfd_open");
    }

    /// <summary>Sends a signal through a pidfd: never hits a recycled pid. Returns false if the process has already exited.</summary>
    public static bool PidfdSendSignal(int pidfd, int signal)
    {
        if (Syscall(SyscallNumbers.Checked(SyscallNumbers.PidfdSendSignal), pidfd, signal, 0, 0) == 0)
        {
            return true;
        }

        if (Marshal.GetLastPInvokeError() == ESRCH)
        {
            return false;
        }

        throw Error("pidfd_send_signal");
    }

    /// <summary>
    /// Reaps the exited process behind <paramref name="pidfd"/> and returns its exit code in Python's convention:
    /// the exit status, or <c>-N</c> when killed by signal N. Returns null if it has not exited yet.
    /// </summary>
    public static unsafe int? TryReap(int pidfd)
    {
        byte* info = stackalloc byte[SigInfoSize];
        new Span<byte>(info, SigInfoSize).Clear();
        while (true)
        {
            int rc = WaitId(P_PIDFD, pidfd, info, WEXITED | WNOHANG);
            if (rc == 0)
            {
                break;
            }

            if (Marshal.GetLastPInvokeError() != EINTR)
            {
                throw Error("waitid");
            }
        }

        int pid = *(int*)(info + 16);
        if (pid == 0)
        {
            return null;
        }

        int code = *(int*)(info + 8);
        int status = *(int*)(info + 24);
        return code == CLD_EXITED ? status : -status;
    }
}
