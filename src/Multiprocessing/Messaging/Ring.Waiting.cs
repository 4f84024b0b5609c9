using System.Runtime.CompilerServices;
using Multiprocessing.Interop;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Messaging;

// Waiting for data, room or an item slot: spin, then sleep on a futex; waking the sleepers.
internal sealed unsafe partial class Ring
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeConsumers()
    {
        if (Volatile.Read(ref h->DataSleepers) > 0)
        {
            Interlocked.Increment(ref h->DataSeq);
            Libc.FutexWake(&h->DataSeq, int.MaxValue);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WakeProducers()
    {
        if (Volatile.Read(ref h->SpaceSleepers) > 0)
        {
            Interlocked.Increment(ref h->SpaceSeq);
            Libc.FutexWake(&h->SpaceSeq, int.MaxValue);
        }
    }

    private int ReadSeq(WaitTarget what) => Volatile.Read(ref what == WaitTarget.Data ? ref h->DataSeq : ref h->SpaceSeq);

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

    /// <summary>Spins briefly: the settled status if <paramref name="what"/> became ready meanwhile, else null.</summary>
    private RingStatus? Spin(WaitTarget what, long need)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Ready(what, need))
            {
                return OutcomeOnceReady(what, need);
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return null;
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

        int* ends = what == WaitTarget.Data ? h->Writers : h->Readers;
        return AnyLiveEnd(ends) ? null : RingStatus.PeerGone;
    }

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
