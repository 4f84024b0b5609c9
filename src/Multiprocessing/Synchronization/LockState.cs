using System.Runtime.InteropServices;

namespace Multiprocessing.Synchronization;

/// <summary>A lock in shared memory (16 bytes). See <see cref="LockCore"/>.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct LockState
{
    /// <summary>0 when free; otherwise the holder's pid (the futex word).</summary>
    public int Word;

    /// <summary>Processes or threads sleeping on <see cref="Word"/>: the releaser wakes one only if there are any.</summary>
    public int Sleepers;

    /// <summary>Recursive locks: how many times the owner thread holds it.</summary>
    public int Count;

    /// <summary>Recursive locks: the owner's managed thread id.</summary>
    public int OwnerThread;
}
