using System.Runtime.InteropServices;

namespace Multiprocessing.Synchronization;

/// <summary>A counting semaphore in shared memory.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct SemaphoreState
{
    /// <summary>Permits available (the futex word).</summary>
    public int Count;

    /// <summary>Processes or threads sleeping in acquire.</summary>
    public int Waiters;

    /// <summary>Upper bound for a bounded semaphore, else 0.</summary>
    public int Max;
}
