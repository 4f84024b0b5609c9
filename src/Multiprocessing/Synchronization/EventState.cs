using System.Runtime.InteropServices;

namespace Multiprocessing.Synchronization;

/// <summary>An event in shared memory.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct EventState
{
    /// <summary>The bit of <see cref="Flag"/> that is 1 while the event is set.</summary>
    public const int Raised = 1;

    /// <summary>
    /// The futex word: bit 0 (<see cref="Raised"/>) is 1 while set; the bits above count the sets (a generation,
    /// wrapping). Set moves the generation on as it raises the bit, Clear lowers only the bit: so the word never
    /// comes back to a value a waiter saw, until 2^31 sets have passed.
    /// </summary>
    public int Flag;

    /// <summary>Sleepers.</summary>
    public int Waiters;

    /// <summary>The word a set makes of <paramref name="cleared"/> (a word whose flag is down): the next generation, raised.</summary>
    public static int NextSet(int cleared) => unchecked(cleared + 2) | Raised;
}
