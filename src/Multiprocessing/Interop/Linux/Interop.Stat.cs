using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
    /// <summary>O_NOFOLLOW: open fails (ELOOP) if the last component is a symbolic link. Its value differs between architectures.</summary>
    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUid();

    [LibraryImport(Lib, EntryPoint = "rmdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Rmdir(string path);

    [LibraryImport(Lib, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>What the descriptor <paramref name="fd"/> is (fstat); null if it cannot be read.</summary>
    public static unsafe FileStatus? StatusOf(int fd)
    {
        byte* buffer = stackalloc byte[StatxSize];
        return Statx(fd, string.Empty, AT_EMPTY_PATH, STATX_BASIC_STATS, buffer) == 0 ? Decode(buffer) : null;
    }

    /// <summary>What <paramref name="path"/> itself is, a symbolic link not followed (lstat); null if it does not exist or cannot be read.</summary>
    public static unsafe FileStatus? LinkStatusOf(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        return Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer) == 0 ? Decode(buffer) : null;
    }

    /// <summary>Reads <c>struct statx</c>: stx_uid at 20, stx_mode at 28, stx_ino at 32, stx_dev_major and stx_dev_minor at 136 and 140.</summary>
    private static unsafe FileStatus Decode(byte* statx) => new(
        *(uint*)(statx + 20),
        *(ushort*)(statx + 28),
        (*(uint*)(statx + 136), *(uint*)(statx + 140)),
        *(ulong*)(statx + 32));
}
