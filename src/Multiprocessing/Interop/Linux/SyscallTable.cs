using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

/// <summary>
/// One architecture's numbers of the system calls that glibc has no wrapper for, which the library makes through
/// <c>syscall(2)</c>. They differ by architecture: x86-64 keeps its own table (<c>asm/unistd_64.h</c>), arm64 the
/// generic one (<c>asm-generic/unistd.h</c>), where 202 is <c>accept</c>, not <c>futex</c>. The tests check every
/// number against the kernel's headers. Read the process's numbers through <see cref="SyscallNumbers"/>.
/// </summary>
internal sealed record SyscallTable(Architecture Architecture, long Futex, long FutexWaitv, long PidfdOpen, long PidfdSendSignal)
{
    /// <summary>x86-64 (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>).</summary>
    public static readonly SyscallTable X64 = new(Architecture.X64, Futex: 202, FutexWaitv: 449, PidfdOpen: 434, PidfdSendSignal: 424);

    /// <summary>arm64 (<c>include/uapi/asm-generic/unistd.h</c>).</summary>
    public static readonly SyscallTable Arm64 = new(Architecture.Arm64, Futex: 98, FutexWaitv: 449, PidfdOpen: 434, PidfdSendSignal: 424);

    /// <summary>Every architecture the library runs on (a new list each time: kept out of the type's initializer, which runs in every process on its first futex call).</summary>
    public static IReadOnlyList<SyscallTable> All => [X64, Arm64];

    /// <summary>The table of <paramref name="architecture"/>, or null if the library does not run there.</summary>
    public static SyscallTable? For(Architecture architecture) => architecture switch
    {
        Architecture.X64 => X64,
        Architecture.Arm64 => Arm64,
        _ => null,
    };
}
