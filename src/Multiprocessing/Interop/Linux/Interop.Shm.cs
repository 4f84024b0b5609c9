using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
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
