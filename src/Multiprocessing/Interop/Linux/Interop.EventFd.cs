using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    /// <summary>Creates an eventfd: a counter that polls readable while it is non-zero.</summary>
    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);
}
