using System.Runtime.CompilerServices;
using Multiprocessing.Interop;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

// Waiting for data, room or an item slot: spin, then sleep on a futex; waking the sleepers.
//
// The futex words (DataSeq, SpaceSeq) are sequences whose low bit says "armed": a sleeper sets it (ArmSeq) before
// its last look at the ring and sleeps while the word keeps that odd value; a waker makes the wake-up system call
// only when it finds the bit set, and clears it as it moves the sequence on (Bump). So a producer that puts many
// messages while its consumer is being woken makes one system call, not one per message (before, it made one for
// every put that found the sleeper count above 0, until the woken consumer ran and lowered it). No wake-up is lost:
// the sleeper's arming and the waker's publishing are both full fences before each reads the other's side (the
// waker reads the word after moving the tail or head and releasing its lock), so either the waker sees the bit, or
// the sleeper's look sees the message; and a sequence moved after the arming makes the sleep return at once.
internal sealed unsafe partial class Ring
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeConsumers()
    {
        if ((Volatile.Read(ref h->DataSeq) & Armed) != 0)
        {
            WakeArmed(&h->DataSeq);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeProducers()
    {
        if ((Volatile.Read(ref h->SpaceSeq) & Armed) != 0)
        {
            WakeArmed(&h->SpaceSeq);
        }
    }

    /// <summary>The low bit of a sequence word: a sleeper may sleep on its value.</summary>
    private const int Armed = 1;

    /// <summary>Moves an armed sequence on and wakes its sleepers, unless another waker moved it first (and woke them).</summary>
    private static void WakeArmed(int* seq)
    {
        int v = Volatile.Read(ref *seq);
        if ((v & Armed) != 0 && Interlocked.CompareExchange(ref *seq, v + 1, v) == v)
        {
            Libc.FutexWake(seq, int.MaxValue);
        }
    }

    /// <summary>Moves a sequence on (clearing its armed bit) whether armed or not, and wakes whoever sleeps on it.</summary>
    private static void Bump(int* seq)
    {
        int v;
        do
        {
            v = Volatile.Read(ref *seq);
        }
        while (Interlocked.CompareExchange(ref *seq, (v | Armed) + 1, v) != v);

        Libc.FutexWake(seq, int.MaxValue);
    }

    /// <summary>Arms the sequence of <paramref name="what"/> and returns its value, to sleep on after a last look at the ring (a full fence).</summary>
    private int ArmSeq(WaitTarget what) => ArmSeq(what == WaitTarget.Data ? &h->DataSeq : &h->SpaceSeq);

    private static int ArmSeq(int* seq)
    {
        while (true)
        {
            int v = Volatile.Read(ref *seq);
            if ((v & Armed) != 0 && Interlocked.CompareExchange(ref *seq, v, v) == v)
            {
                return v; // Armed already (the compare-exchange is the fence).
            }

            if (Interlocked.CompareExchange(ref *seq, v | Armed, v) == v)
            {
                return v | Armed;
            }
        }
    }

    /// <summary>What a wait of the ring waits for: a message to read, room to write, or an item slot (a bounded queue).</summary>
    internal enum WaitTarget
    {
        Data,
        Room,
        Items,
    }

    private bool Ready(WaitTarget what, long need) => what switch
    {
        WaitTarget.Data => DataReady() || IsCompleted,
        WaitTarget.Room => HasFree(h->Tail, need) || IsCompleted,
        _ => ItemsRoom() || IsCompleted,
    };

    /// <summary>Spins for at most this process's <see cref="SpinBudget"/> of <paramref name="what"/>: the settled status if it became ready meanwhile, else null.</summary>
    private RingStatus? Spin(WaitTarget what, long need)
    {
        var ready = new SpinReady(this, what, need);
        ref SpinBudget budget = ref what == WaitTarget.Data ? ref dataSpin : ref roomSpin;
        return budget.Spin(ref ready) ? OutcomeOnceReady(what, need) : null;
    }

    /// <summary>How long this process spins for data, and for room or an item slot, on this ring (see <see cref="SpinBudget"/>).</summary>
    private SpinBudget dataSpin;
    private SpinBudget roomSpin;

    /// <summary>The condition of a <see cref="Spin"/>: <see cref="Ready"/>.</summary>
    private readonly struct SpinReady(Ring ring, WaitTarget what, long need) : SpinBudget.IReady
    {
        public bool IsReady() => ring.Ready(what, need);
    }

    private nint SeqAddress(WaitTarget what) => what == WaitTarget.Data ? (nint)(&h->DataSeq) : (nint)(&h->SpaceSeq);

    private void AddSleeper(WaitTarget what, int delta) =>
        Interlocked.Add(ref what == WaitTarget.Data ? ref h->DataSleepers : ref h->SpaceSleepers, delta);

    /// <summary>What a wait that found its condition ends with: data beats completion, completion beats room.</summary>
    private RingStatus OutcomeOnceReady(WaitTarget what, long need) => what switch
    {
        WaitTarget.Data => DataReady() ? RingStatus.Ok : RingStatus.Completed,
        WaitTarget.Room => IsCompleted ? RingStatus.Completed : RingStatus.Ok,
        _ => IsCompleted ? RingStatus.Completed : RingStatus.Ok,
    };

    /// <summary>In pipe mode, whether the other end is gone: no live writer for a reader (once empty), no live reader for a writer.</summary>
    private RingStatus? PeerCheck(WaitTarget what)
    {
        if (!watchEnds)
        {
            return null;
        }

        Interlocked.Increment(ref exactPeerLooks);
        int* ends = what == WaitTarget.Data ? h->Writers : h->Readers;
        return AnyLiveEnd(ends) ? null : RingStatus.PeerGone;
    }

    /// <summary>How many times a sleep of this process asked the kernel whether the other end's holders live (see <see cref="PeerCheck"/>): for tests.</summary>
    internal long ExactPeerLooks => Interlocked.Read(ref exactPeerLooks);

    private long exactPeerLooks;

    /// <summary>In pipe mode, brings the watched holders of the other end up to date (see <see cref="PeerWatch.Update"/>); false if one is dead.</summary>
    private bool UpdatePeers(WaitTarget what, out DeathWatch.Registration[] watches) => PeersOf(what).Update(EndsOf(what), out watches);

    /// <summary>In pipe mode, the slots of the other end: the writers for a reader's wait, the readers for a writer's.</summary>
    private int* EndsOf(WaitTarget what) => what == WaitTarget.Data ? h->Writers : h->Readers;

    /// <summary>In pipe mode, the watched holders of the other end, whose death wakes a wait for <paramref name="what"/>.</summary>
    private PeerWatch PeersOf(WaitTarget what)
    {
        ref PeerWatch? peers = ref what == WaitTarget.Data ? ref dataPeers : ref roomPeers;
        if (Volatile.Read(ref peers) is { } existing)
        {
            return existing;
        }

        var made = new PeerWatch(SeqAddress(what));
        return Interlocked.CompareExchange(ref peers, made, null) ?? made;
    }
}
