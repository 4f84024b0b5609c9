using System.Runtime.InteropServices;

namespace Multiprocessing.Interop;

internal static partial class Libc
{
    /// <summary>
    /// The Linux number of <paramref name="signal"/>, read as <see cref="PosixSignalRegistration.Create"/> reads it: a named
    /// (negative) <see cref="PosixSignal"/> value is mapped, a positive value is a raw signal number from 1 to 64.
    /// </summary>
    /// <returns>False for 0, for a number above 64, and for a negative value that names no signal.</returns>
    public static bool TryGetSignalNumber(PosixSignal signal, out int number)
    {
        // CA1416: some of these names are marked unsupported on Windows; only their values are read here.
#pragma warning disable CA1416
        number = signal switch
        {
            PosixSignal.SIGHUP => SIGHUP,
            PosixSignal.SIGINT => SIGINT,
            PosixSignal.SIGQUIT => SIGQUIT,
            PosixSignal.SIGTERM => SIGTERM,
            PosixSignal.SIGCHLD => SIGCHLD,
            PosixSignal.SIGCONT => SIGCONT,
            PosixSignal.SIGWINCH => SIGWINCH,
            PosixSignal.SIGTTIN => SIGTTIN,
            PosixSignal.SIGTTOU => SIGTTOU,
            PosixSignal.SIGTSTP => SIGTSTP,
            > 0 and <= (PosixSignal)SignalMax => (int)signal,
            _ => 0,
        };
#pragma warning restore CA1416
        return number != 0;
    }
}
