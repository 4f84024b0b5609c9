using System.Diagnostics;

namespace Multiprocessing.Synchronization;

/// <summary>
/// How long a waiter spins before it sleeps, learnt from the waits before: a spin that found its condition doubles
/// the budget of the next one, a spin that ended in a sleep halves it, between <see cref="MinTicks"/> and
/// <see cref="MaxTicks"/>; and every <see cref="ProbeEvery"/>th spin spins for the most, so that a budget halved
/// down while the machine was loaded grows back once the peer answers in time again.
/// </summary>
/// <remarks>
/// <para>Why: on these 2-core virtual machines a round trip through two futex wake-ups costs 5 to 15 µs (loads 12 to
/// 22), while two peers that keep spinning make a round trip of W6 in about 3.7 µs on a quiet machine. Spinning pays only while the
/// peer runs; on a loaded machine the peer is often not running, and then a long spin both misses and takes a core
/// from the work that would let the peer run: with no idle core the scheduler queues a woken task beside its waker,
/// so a waker that spins keeps its own peer waiting (a C round trip here, at load 12: 5 to 7 µs sleeping at once,
/// 26 µs after a 200-pause spin, 300 µs after a 2,000-pause spin; 650 µs with a spin without bound at load 18). So
/// the budget follows what the spins found, and the spin never yields the core (a <c>sched_yield</c> hands it to other
/// work for a whole slice: with yields between the spins, W2 with chunk size 1 fell from 200-360 k to 70-100 k tasks/s
/// beside two busy processes, though it took W3 from about 30 to 10-16 µs on a quiet machine, where the yield hands
/// the core to the caller's own thread).</para>
/// <para>A thread that has just woken a sleeper spins like any other. It used to skip its next spin (the woken peer
/// might be queued on its core), but in a ping-pong that skip never ends: each side's answer wakes the other, so each
/// side's next wait skipped its spin and slept, and every round trip became two wake-ups — W6 took 28-59 µs on a quiet
/// machine against 3-4 µs with spins, and beside two busy processes the spin did no worse (W6 8-21 against 22-43 µs,
/// W2 with chunk size 1 280-360 k against 200-220 k tasks/s).</para>
/// <para>A mutable struct kept in a field of its owner (one per waiting side of a ring, in each process that has the
/// ring open): its state is per process and advisory, so threads racing on it lose nothing but a little accuracy.
/// The spins of <see cref="LockCore"/> and <see cref="SemaphoreCore"/> do not use it (yet).</para>
/// </remarks>
internal struct SpinBudget
{
    /// <summary>The longest spin: about what the peer's turnaround costs when it runs (a message, a call).</summary>
    internal static readonly long MaxTicks = Stopwatch.Frequency * 20 / 1_000_000;

    /// <summary>The shortest spin: enough for a peer that is running and about to answer.</summary>
    internal static readonly long MinTicks = Stopwatch.Frequency / 1_000_000;

    /// <summary>One spin in this many spins for the most (see the summary).</summary>
    internal const int ProbeEvery = 16;

    /// <summary>With a single CPU there is no peer running meanwhile: never spin.</summary>
    private static readonly bool NoSpin = Environment.ProcessorCount == 1;

    private long ticks;
    private int sinceProbe;

    /// <summary>
    /// Spins until <paramref name="ready"/> says the condition holds (true) or the budget is spent (false), and
    /// learns from the outcome. Allocates nothing: <typeparamref name="TReady"/> is a struct.
    /// </summary>
    public bool Spin<TReady>(ref TReady ready)
        where TReady : struct, IReady
    {
        if (NoSpin)
        {
            return ready.IsReady();
        }

        long budget = Budget();
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (ready.IsReady())
            {
                ticks = Math.Min(MaxTicks, budget * 2);
                return true;
            }

            if (Stopwatch.GetTimestamp() - start > budget)
            {
                ticks = Math.Max(MinTicks, Current / 2);
                return false;
            }

            Thread.SpinWait(4);
        }
    }

    private readonly long Current => ticks == 0 ? MaxTicks : ticks;

    private long Budget()
    {
        if (++sinceProbe >= ProbeEvery)
        {
            sinceProbe = 0;
            return MaxTicks;
        }

        return Current;
    }

    /// <summary>The condition a <see cref="Spin{TReady}"/> waits for.</summary>
    internal interface IReady
    {
        /// <summary>Whether the condition holds now (may have side effects, such as taking a lock that is free).</summary>
        bool IsReady();
    }
}
