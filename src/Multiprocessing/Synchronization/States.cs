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

/// <summary>A condition's wait queue in shared memory (its lock lives elsewhere).</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct ConditionState
{
    /// <summary>Bumped by every notify (the futex word).</summary>
    public int Sequence;

    /// <summary>Sleepers.</summary>
    public int Waiters;
}

/// <summary>A barrier in shared memory: an internal lock, counters, and the pids of the parties that wait.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BarrierState
{
    public const int MaxParties = 256;

    /// <summary>How many rounds <see cref="BrokenRounds"/> remembers.</summary>
    public const int RoundsRemembered = 64;

    public LockState Lock;
    public int Parties;
    public int Arrived;

    /// <summary>Bumped when the parties pass, or when the barrier breaks or is reset (the futex word).</summary>
    public int Generation;

    /// <summary>The generation a break produced: waiters that see it know they were not released but broken.</summary>
    public int BreakGeneration;

    /// <summary>1 while broken (until reset).</summary>
    public int Broken;

    /// <summary>Length of the encoded action after this struct, 0 if none.</summary>
    public int ActionLength;

    /// <summary>
    /// How the last <see cref="RoundsRemembered"/> rounds ended: bit <c>generation % 64</c> is 1 if the round of that
    /// generation broke, 0 if it passed. A waiter of a round that passed reads it even once a later round broke
    /// (<see cref="BreakGeneration"/> then names the later one).
    /// </summary>
    public ulong BrokenRounds;

    public fixed int WaitingPids[MaxParties];

    /// <summary>The bit of <see cref="BrokenRounds"/> for the round of <paramref name="generation"/>.</summary>
    public static ulong RoundBit(int generation) => 1UL << (generation & (RoundsRemembered - 1));
}
