using System.Runtime.InteropServices;

namespace Multiprocessing.Synchronization;

/// <summary>A condition's wait queue in shared memory (its lock lives elsewhere).</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct ConditionState
{
    /// <summary>Bumped by every notify (the futex word).</summary>
    public int Sequence;

    /// <summary>Sleepers.</summary>
    public int Waiters;
}
