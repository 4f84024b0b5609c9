using System.Runtime.InteropServices;

namespace Multiprocessing.Synchronization;

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
