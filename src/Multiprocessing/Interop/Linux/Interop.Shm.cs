using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
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

    [LibraryImport(Lib, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport(Lib, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(Lib, EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Lib, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Lib, EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Unlink(string path);

    /// <summary>Size of the file behind <paramref name="fd"/>.</summary>
    public static long FileSize(int fd)
    {
        long size = Lseek(fd, 0, SEEK_END);
        return size >= 0 ? size : throw Error("lseek");
    }

    /// <summary>flock, retried on EINTR; false if LOCK_NB was given and the lock is held.</summary>
    public static bool FlockRetry(int fd, int operation)
    {
        while (Flock(fd, operation) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EWOULDBLOCK && (operation & LOCK_NB) != 0)
            {
                return false;
            }

            if (errno != EINTR)
            {
                throw Error("flock");
            }
        }

        return true;
    }
}
