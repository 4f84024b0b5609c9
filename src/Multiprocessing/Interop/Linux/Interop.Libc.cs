using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

/// <summary>P/Invokes into the C library (Linux, glibc). Callers check the return value and <see cref="Marshal.GetLastPInvokeError"/>.</summary>
internal static partial class Libc
{
    private const string Lib = "libc.so.6";

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(Lib, EntryPoint = "pipe2", SetLastError = true)]
    public static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport(Lib, EntryPoint = "socketpair", SetLastError = true)]
    public static unsafe partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint nfds, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "getppid")]
    public static partial int GetParentPid();

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>Ends the process at once with <paramref name="status"/> (the exit system call: no atexit handlers, no runtime shutdown).</summary>
    [LibraryImport(Lib, EntryPoint = "_exit")]
    public static partial void ExitNow(int status);

    /// <summary>Writes out the C library's buffered output streams (<c>fflush(NULL)</c>: pass 0), as <c>exit</c> would.</summary>
    [LibraryImport(Lib, EntryPoint = "fflush")]
    public static partial int FlushAll(nint stream);

    [LibraryImport(Lib, EntryPoint = "signal", SetLastError = true)]
    public static partial nint Signal(int signal, nint handler);

    /// <summary>A raw system call; its number comes from <see cref="SyscallNumbers"/>, never a literal.</summary>
    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4);

    /// <summary>Throws an <see cref="IOException"/> describing the last libc error.</summary>
    public static IOException Error(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }

    /// <summary>Sets or clears O_NONBLOCK on a descriptor.</summary>
    public static void SetNonBlocking(int fd, bool on)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0)
        {
            throw Error("fcntl(F_GETFL)");
        }

        flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (Fcntl(fd, F_SETFL, flags) < 0)
        {
            throw Error("fcntl(F_SETFL)");
        }
    }

    /// <summary>Marks a descriptor close-on-exec so that processes this one starts do not inherit it.</summary>
    public static void SetCloseOnExec(int fd)
    {
        if (Fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        {
            throw Error("fcntl(F_SETFD)");
        }
    }
}
