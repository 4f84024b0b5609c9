using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Pools;

/// <summary>
/// Who runs a task a <see cref="ProcessPool"/> has written into a worker's pipe: a small table in shared memory,
/// one per worker, that the pool and the worker both change with a compare-and-swap, so that a task the worker
/// has not started can be taken back and given to another worker, and runs exactly once.
/// </summary>
/// <remarks>
/// <para>The pool numbers the tasks it sends to a worker (0, 1, 2, ...: a sequence per worker, not the task's id)
/// and marks the task's slot, <c>seq % <see cref="Slots"/></c>, <c>Pending</c> before it writes the task. The worker,
/// before it runs a task, swaps its slot from <c>Pending</c> to <c>Started</c>; the pool, to take a task back,
/// swaps it from <c>Pending</c> to <c>Revoked</c>. One of the two wins: a worker that loses skips the task
/// without a word (the pool has already given it to another worker), and a pool that loses leaves it (it runs).</para>
/// <para>A slot holds the sequence number with the state, so a slot reused by a later task is never mistaken for
/// an earlier one whose frame the worker has not read yet (that one was revoked: the pool reuses a slot only once
/// its task is done or revoked). The pool does not reuse a slot that is still <c>Pending</c>.</para>
/// <para>After the slots, the cancel request: the sequence number (plus one; 0 for none) of the task whose
/// <see cref="CancellationToken"/> the pool asks the worker to cancel, and a futex word the pool moves on and wakes
/// after writing it, on which the worker's cancel watcher sleeps (see <see cref="TaskCancellation"/>).</para>
/// </remarks>
internal sealed class TaskClaims : IDisposable
{
    /// <summary>Slots per worker: more than the most tasks a worker holds (64), so that reuse waits only in odd cases.</summary>
    public const int Slots = 256;

    private const long Pending = 1;
    private const long Started = 2;
    private const long Revoked = 3;

    private readonly SharedMemory memory;

    private TaskClaims(SharedMemory memory) => this.memory = memory;

    /// <summary>The shared memory, to pass to the worker process.</summary>
    public SharedMemory Memory => memory;

    private Span<long> Table => MemoryMarshal.Cast<byte, long>(memory.Span);

    /// <summary>A new table (the pool's side).</summary>
    public static TaskClaims Create() => new(SharedMemory.Create((Slots + 2) * sizeof(long)));

    /// <summary>The table the pool passed (the worker's side).</summary>
    public static TaskClaims Attach(SharedMemory memory) => new(memory);

    /// <summary>Whether the slot of task <paramref name="seq"/> is free to use: no earlier task waits in it (the pool).</summary>
    public bool CanOffer(long seq) => (Volatile.Read(ref Slot(seq)) & 3) != Pending;

    /// <summary>Marks task <paramref name="seq"/> pending, before its frame is written (the pool; see <see cref="CanOffer"/>).</summary>
    public void Offer(long seq) => Volatile.Write(ref Slot(seq), (seq << 2) | Pending);

    /// <summary>Takes task <paramref name="seq"/> back if the worker has not started it (the pool): true if it will not run there.</summary>
    public bool TryRevoke(long seq) => Interlocked.CompareExchange(ref Slot(seq), (seq << 2) | Revoked, (seq << 2) | Pending) == ((seq << 2) | Pending);

    /// <summary>Whether task <paramref name="seq"/> was taken back (or its slot reused since, which means the same).</summary>
    public bool IsRevoked(long seq)
    {
        long value = Volatile.Read(ref Slot(seq));
        return value != ((seq << 2) | Pending) && value != ((seq << 2) | Started);
    }

    /// <summary>Whether the worker has claimed task <paramref name="seq"/>, so has started it (or, past it, ended it): it no longer waits.</summary>
    public bool IsStarted(long seq) => Volatile.Read(ref Slot(seq)) == ((seq << 2) | Started);

    /// <summary>Claims task <paramref name="seq"/> before running it (the worker): false if the pool took it back.</summary>
    public bool TryStart(long seq) => Interlocked.CompareExchange(ref Slot(seq), (seq << 2) | Started, (seq << 2) | Pending) == ((seq << 2) | Pending);

    /// <summary>The generation of the cancel requests: it moves on with each (the worker's watcher sleeps on it).</summary>
    public int CancelGeneration => Volatile.Read(ref CancelWord);

    /// <summary>The sequence number of the task last asked to be cancelled, or -1 for none.</summary>
    public long CancelledSeq => Volatile.Read(ref Table[Slots]) - 1;

    /// <summary>Asks the worker to cancel the token of task <paramref name="seq"/> (the pool), and wakes its watcher.</summary>
    public void RequestCancel(long seq)
    {
        Volatile.Write(ref Table[Slots], seq + 1);
        Wake();
    }

    /// <summary>Moves the generation on and wakes the watcher, without a request (the worker, to stop its watcher).</summary>
    public unsafe void Wake()
    {
        Interlocked.Increment(ref CancelWord);
        Libc.FutexWake((int*)Unsafe.AsPointer(ref CancelWord), int.MaxValue);
    }

    /// <summary>Sleeps while the generation is still <paramref name="seen"/> (the worker's watcher); may return early.</summary>
    public unsafe void WaitForCancel(int seen) => Libc.FutexWait((int*)Unsafe.AsPointer(ref CancelWord), seen, -1);

    /// <summary>Closes the table in this process.</summary>
    public void Dispose() => memory.Dispose();

    private ref int CancelWord => ref MemoryMarshal.Cast<byte, int>(memory.Span)[(Slots + 1) * 2];

    private ref long Slot(long seq) => ref Table[(int)(seq & (Slots - 1))];
}
