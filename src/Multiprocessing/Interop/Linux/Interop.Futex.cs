using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>One entry of a futex_waitv call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FutexWaiter
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;

        public static unsafe FutexWaiter For(int* word, int expected) =>
            new() { Value = (uint)expected, Address = (ulong)word, Flags = FUTEX2_SIZE_U32 };
    }

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall6(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport(Lib, EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTime(int clock, Timespec* time);

    /// <summary>
    /// Sleeps while <c>*word == expected</c>, across processes (a shared futex), for at most
    /// <paramref name="timeoutMs"/> milliseconds (-1: no limit). Returns false on timeout; true when woken, when
    /// the value differs, or on a signal (callers re-check their condition).
    /// </summary>
    public static unsafe bool FutexWait(int* word, int expected, long timeoutMs)
    {
        Timespec ts = default;
        Timespec* tp = null;
        if (timeoutMs >= 0)
        {
            ts.Seconds = timeoutMs / 1000;
            ts.Nanoseconds = timeoutMs % 1000 * 1_000_000;
            tp = &ts;
        }

        if (Syscall6(SyscallNumbers.Checked(SyscallNumbers.Futex), (long)word, FUTEX_WAIT, expected, (long)tp, 0, 0) == 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() != ETIMEDOUT;
    }

    /// <summary>Wakes up to <paramref name="count"/> processes or threads sleeping on <paramref name="word"/>.</summary>
    public static unsafe int FutexWake(int* word, int count) =>
        (int)Syscall6(SyscallNumbers.Checked(SyscallNumbers.Futex), (long)word, FUTEX_WAKE, count, 0, 0, 0);

    /// <summary>
    /// Sleeps until one of the futexes changes or is woken (Linux 5.16+). Returns its index, -1 on a value that
    /// already differs or a signal, -2 on timeout.
    /// </summary>
    public static unsafe int FutexWaitMany(FutexWaiter* waiters, int count, long timeoutMs)
    {
        Timespec ts = default;
        Timespec* tp = null;
        if (timeoutMs >= 0)
        {
            ClockGetTime(CLOCK_MONOTONIC, &ts);
            long ns = ts.Nanoseconds + timeoutMs % 1000 * 1_000_000;
            ts.Seconds += timeoutMs / 1000 + ns / 1_000_000_000;
            ts.Nanoseconds = ns % 1_000_000_000;
            tp = &ts;
        }

        long rc = Syscall6(SyscallNumbers.Checked(SyscallNumbers.FutexWaitv), (long)waiters, count, 0, (long)tp, CLOCK_MONOTONIC, 0);
        if (rc >= 0)
        {
            return (int)rc;
        }

        return Marshal.GetLastPInvokeError() == ETIMEDOUT ? -2 : -1;
    }
}
