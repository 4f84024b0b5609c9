using System.Runtime.InteropServices;

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
    public static TaskClaims Create() => new(SharedMemory.Create(Slots * sizeof(long)));

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

    /// <summary>Claims task <paramref name="seq"/> before running it (the worker): false if the pool took it back.</summary>
    public bool TryStart(long seq) => Interlocked.CompareExchange(ref Slot(seq), (seq << 2) | Started, (seq << 2) | Pending) == ((seq << 2) | Pending);

    /// <summary>Closes the table in this process.</summary>
    public void Dispose() => memory.Dispose();

    private ref long Slot(long seq) => ref Table[(int)(seq & (Slots - 1))];
}
