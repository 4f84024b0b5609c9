using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

/// <summary>
/// The system call numbers of this process's architecture, the one place every raw <c>syscall(2)</c> takes its
/// number from. The table is chosen once, from <see cref="RuntimeInformation.ProcessArchitecture"/>; on an
/// architecture without a table each number is -1 and the first call through <see cref="Checked"/> throws a
/// <see cref="PlatformNotSupportedException"/> naming it.
/// </summary>
/// <remarks>
/// The numbers are <c>static readonly</c> primitives so that the JIT reads them as constants once the class is
/// initialized (tier 1): <c>Checked(Futex)</c> then compiles to the bare number, and futex, on every lock wait,
/// costs what it cost with a <c>const</c>.
/// </remarks>
internal static class SyscallNumbers
{
    /// <summary>The architecture the numbers are for.</summary>
    public static readonly Architecture Architecture = RuntimeInformation.ProcessArchitecture;

    /// <summary><c>futex</c>; -1 on an architecture without a table.</summary>
    public static readonly long Futex = SyscallTable.For(Architecture)?.Futex ?? -1;

    /// <summary><c>futex_waitv</c> (Linux 5.16+); -1 on an architecture without a table.</summary>
    public static readonly long FutexWaitv = SyscallTable.For(Architecture)?.FutexWaitv ?? -1;

    /// <summary><c>pidfd_open</c> (Linux 5.3+); -1 on an architecture without a table.</summary>
    public static readonly long PidfdOpen = SyscallTable.For(Architecture)?.PidfdOpen ?? -1;

    /// <summary><c>pidfd_send_signal</c> (Linux 5.1+); -1 on an architecture without a table.</summary>
    public static readonly long PidfdSendSignal = SyscallTable.For(Architecture)?.PidfdSendSignal ?? -1;

    /// <summary>Returns <paramref name="number"/>, or throws if this architecture has no table (the number is -1).</summary>
    /// <exception cref="PlatformNotSupportedException">The process's architecture has no table.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Checked(long number)
    {
        if (number < 0)
        {
            ThrowUnsupported(Architecture);
        }

        return number;
    }

    /// <summary>The exception for an architecture without a table.</summary>
    public static PlatformNotSupportedException Unsupported(Architecture architecture) =>
        new($"Multiprocessing.NET does not know the Linux system call numbers of the {architecture} architecture " +
            $"(it has tables for {string.Join(" and ", SyscallTable.All.Select(t => t.Architecture))}), so it cannot " +
            "use futex or pidfd there.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnsupported(Architecture architecture) => throw Unsupported(architecture);
}
