namespace Multiprocessing.Interop;

/// <summary>
/// The numbers of the Linux and glibc ABI that the calls in this folder use, in one place: the same on x86-64 and
/// arm64 (the generic ones; what differs by architecture is in <see cref="SyscallNumbers"/>).
/// </summary>
internal static partial class Libc
{
    // errno.h, fcntl.h, socket.h, poll.h; SIGKILL, SIGTERM, SIGPIPE
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ECHILD = 10;
    public const int ESRCH = 3;

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int FD_CLOEXEC = 1;

    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGPIPE = 13;

    // shared memory: open flags, errno, mmap, flock, lseek
    public const int O_CREAT = 64;
    public const int O_EXCL = 128;
    public const int O_WRONLY = 1;
    public const int O_TRUNC = 512;
    public const int ENOSPC = 28;
    public const int EEXIST = 17;
    public const int ENOENT = 2;
    public const int EWOULDBLOCK = 11;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_POPULATE = 0x8000;
    public const int MAP_PRIVATE = 2;
    public const int MAP_FIXED = 0x10;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_NORESERVE = 0x4000;

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    private const int SEEK_END = 2;

    // Linux signal numbers (the generic ones, shared by x86-64 and arm64). SIGKILL, SIGPIPE and SIGTERM are above.
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const int SIGTSTP = 20;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGWINCH = 28;

    /// <summary>The highest signal number Linux accepts (SIGRTMAX), as for <see cref="System.Runtime.InteropServices.PosixSignalRegistration"/>.</summary>
    public const int SignalMax = 64;

    // futex and clocks
    public const int ETIMEDOUT = 110;

    private const int FUTEX_WAIT = 0;
    private const int FUTEX_WAKE = 1;
    private const uint FUTEX2_SIZE_U32 = 0x02;
    private const int CLOCK_MONOTONIC = 1;

    // waitid and siginfo
    private const int P_PIDFD = 3;
    private const int WEXITED = 4;
    private const int WNOHANG = 1;

    public const int CLD_EXITED = 1;
    public const int CLD_KILLED = 2;
    public const int CLD_DUMPED = 3;

    /// <summary>Size of siginfo_t; si_code is at offset 8, si_pid at 16, si_status at 24 (x86-64 and arm64).</summary>
    private const int SigInfoSize = 128;

    // posix_spawn
    /// <summary>Size of glibc's posix_spawn_file_actions_t (80 bytes on x86-64), rounded up generously.</summary>
    public const int SpawnFileActionsSize = 256;

    /// <summary>Size of glibc's posix_spawnattr_t (336 bytes on x86-64), rounded up generously.</summary>
    public const int SpawnAttrSize = 1024;

    /// <summary>Size of sigset_t in glibc.</summary>
    public const int SigSetSize = 128;

    public const short POSIX_SPAWN_SETSIGDEF = 4;
    public const short POSIX_SPAWN_SETSIGMASK = 8;

    // statx
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7FF;
    private const int StatxSize = 256;

    // eventfd
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;
}
