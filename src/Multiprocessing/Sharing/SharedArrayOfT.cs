using System.Runtime.CompilerServices;
using System.Text;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A fixed-length array of unmanaged values in shared memory (Python's <c>multiprocessing.Array</c>), with the
/// recursive lock Python's <c>get_lock()</c> gives (or a lock given at creation, or none), and atomic operations
/// for integer elements.
/// </summary>
/// <typeparam name="T">The element type: any unmanaged type. Python's type codes map as 'b' → sbyte, 'B' → byte,
/// 'h' → short, 'H' → ushort, 'i' → int, 'I' → uint, 'l' → long, 'L' → ulong, 'q' → long, 'Q' → ulong,
/// 'f' → float, 'd' → double, 'c' → byte, 'u' → char.</typeparam>
/// <remarks>
/// Element access is not synchronized: <c>a[0] += 100</c> from several processes races, exactly as in Python.
/// Take <see cref="GetLock"/> (or <see cref="Acquire"/>) around it, or use <see cref="Add"/>, which is atomic. Pass
/// the array to a <see cref="ChildProcess"/> and the child works on the same memory, under the same lock.
/// </remarks>
public sealed class SharedArray<T> : IDisposable, ISharedObject<SharedArray<T>>
    where T : unmanaged
{
    // The get_lock() lock has a cache line of its own: elements updated atomically by other processes do not
    // slow down its holder (measured: no gain in putting the first elements on the lock's line).
    // The lock area also says what guards the array (at GuardOffset, a SharedArrayGuard: 0, its own lock, in
    // arrays made before there was a choice too) and, for a lock given at creation, the length of its name's UTF-8
    // bytes (at GuardNameOffset), stored after the elements: every process that opens the array opens that lock.
    private const int LockBytes = 64;
    private const int GuardOffset = 48;
    private const int GuardNameOffset = 52;
    private readonly Segment segment;
    private readonly nint data;
    private readonly int length;
    private readonly SharedArrayGuard guard;
    private readonly string? lockName;
    private readonly SharedLock? givenLock;
    private SharedRLock? recursiveLock;

    private SharedArray(Segment segment, SharedArrayGuard guard, string? lockName, int lockNameBytes)
    {
        this.segment = segment;
        this.guard = guard;
        this.lockName = lockName;
        unsafe
        {
            data = (nint)(segment.Data + LockBytes);
        }

        length = (int)((segment.PayloadSize - LockBytes - lockNameBytes) / Unsafe.SizeOf<T>());
        if (guard == SharedArrayGuard.Lock)
        {
            givenLock = SharedLock.Open(lockName!);
        }
        else if (guard == SharedArrayGuard.RLock)
        {
            recursiveLock = SharedRLock.Open(lockName!);
        }
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => segment.Name;

    /// <summary>Number of elements.</summary>
    public int Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(segment.IsClosed, this);
            return length;
        }
    }

    /// <inheritdoc/>
    string ISharedObject<SharedArray<T>>.Descriptor => Name;

    /// <summary>The element at <paramref name="index"/>, by reference.</summary>
    /// <param name="index">Its index.</param>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => ref AsSpan()[index];
    }

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements (Python's <c>Array('i', 5)</c>).</summary>
    /// <param name="length">Number of elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    internal static SharedArray<T> Create(int length, string? name = null) => Create(length, name, SharedArrayLocking.Own);

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements, guarded as <paramref name="locking"/> says.</summary>
    /// <param name="length">Number of elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <param name="locking">Its own lock, none, or a lock given by the caller.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="FileNotFoundException">The lock given is gone (closed in every process).</exception>
    internal static unsafe SharedArray<T> Create(int length, string? name, SharedArrayLocking locking)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        byte[] lockName = locking.LockName is null ? [] : Encoding.UTF8.GetBytes(locking.LockName);
        long elementBytes = (long)length * Unsafe.SizeOf<T>();
        Segment segment = Segment.Create(name, LockBytes + elementBytes + lockName.Length, SegmentKind.Array, ElementTag.Of<T>());
        *(int*)(segment.Data + GuardOffset) = (int)locking.Guard;
        *(int*)(segment.Data + GuardNameOffset) = lockName.Length;
        lockName.CopyTo(new Span<byte>(segment.Data + LockBytes + elementBytes, lockName.Length));
        return Wrap(segment);
    }

    /// <summary>Creates an array holding a copy of <paramref name="values"/> (Python's <c>Array('i', [1, 2, 3, 4])</c>).</summary>
    /// <param name="values">The initial elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    internal static SharedArray<T> Create(ReadOnlySpan<T> values, string? name = null) => Create(values, name, SharedArrayLocking.Own);

    /// <summary>Creates an array holding a copy of <paramref name="values"/>, guarded as <paramref name="locking"/> says.</summary>
    /// <param name="values">The initial elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <param name="locking">Its own lock, none, or a lock given by the caller.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FileNotFoundException">The lock given is gone (closed in every process).</exception>
    internal static SharedArray<T> Create(ReadOnlySpan<T> values, string? name, SharedArrayLocking locking)
    {
        SharedArray<T> array = Create(values.Length, name, locking);
        values.CopyTo(array.AsSpan());
        return array;
    }

    /// <summary>Opens an array created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FileNotFoundException">No such array.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to an array of another element type.</exception>
    internal static SharedArray<T> Open(string name)
    {
        Segment segment = Segment.Open(name, SegmentKind.Array);
        if (segment.Header.Tag != ElementTag.Of<T>())
        {
            segment.Dispose();
            throw new InvalidDataException($"The shared array '{name}' does not hold elements of type {typeof(T)}.");
        }

        return Wrap(segment);
    }

    /// <summary>The array over <paramref name="segment"/>, with the lock that guards it opened in this process (the segment is closed if that fails).</summary>
    /// <exception cref="FileNotFoundException">The lock it was created with is gone.</exception>
    /// <exception cref="InvalidDataException">The lock area says something no array says.</exception>
    private static unsafe SharedArray<T> Wrap(Segment segment)
    {
        try
        {
            var guard = (SharedArrayGuard)(*(int*)(segment.Data + GuardOffset));
            int nameBytes = *(int*)(segment.Data + GuardNameOffset);
            long elementSpace = segment.PayloadSize - LockBytes;
            if (!Enum.IsDefined(guard) || nameBytes < 0 || nameBytes > elementSpace || (nameBytes > 0) != (guard is SharedArrayGuard.Lock or SharedArrayGuard.RLock))
            {
                throw new InvalidDataException($"The shared array '{segment.Name}' has a damaged lock area.");
            }

            string? lockName = nameBytes == 0 ? null : Encoding.UTF8.GetString(segment.Data + LockBytes + elementSpace - nameBytes, nameBytes);
            return new SharedArray<T>(segment, guard, lockName, nameBytes);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    static SharedArray<T> ISharedObject<SharedArray<T>>.Reopen(string descriptor) => Open(descriptor);

    /// <summary>The elements as a span over the shared memory.</summary>
    /// <returns>The span: valid until the array is disposed (used after that, it reads and writes memory of no one, never the array's).</returns>
    /// <exception cref="ObjectDisposedException">The array has been closed in this process.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe Span<T> AsSpan()
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        return new Span<T>((void*)data, length);
    }

    /// <summary>
    /// The recursive lock that goes with this array (Python's <c>get_lock()</c>), the same lock in every process:
    /// its own, or the <see cref="SharedRLock"/> it was created with.
    /// </summary>
    /// <returns>The lock; it lives as long as the array (a lock given at creation is kept open by the array).</returns>
    /// <exception cref="InvalidOperationException">The array was made without a lock (<see cref="SharedLockMode.None"/>, Python's <c>RawArray</c>, which has no <c>get_lock()</c>), or with a <see cref="SharedLock"/> (take it with <see cref="Acquire"/>).</exception>
    /// <exception cref="ObjectDisposedException">The array was closed in this process.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SharedRLock GetLock()
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        SharedRLock? current = Volatile.Read(ref recursiveLock);
        if (current is null || current.IsDisposed)
        {
            // A disposed lock object refuses use; the lock itself lives on (in the array, or kept open by it): a new object for it.
            current = guard switch
            {
                SharedArrayGuard.Own => SharedRLock.Embedded(segment),
                SharedArrayGuard.RLock => SharedRLock.Open(lockName!),
                SharedArrayGuard.None => throw new InvalidOperationException($"The shared array '{Name}' was made without a lock (SharedLockMode.None, Python's lock=False): it has no lock to get."),
                _ => throw new InvalidOperationException($"The shared array '{Name}' is guarded by the SharedLock '{lockName}' it was made with, not a recursive lock: take it with Acquire()."),
            };
            Volatile.Write(ref recursiveLock, current);
        }

        return current;
    }

    /// <summary>Acquires the lock that guards the array, whichever it is (Python's <c>a.acquire()</c>, <c>with a:</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The array was made without a lock (<see cref="SharedLockMode.None"/>).</exception>
    /// <exception cref="ObjectDisposedException">The array was closed in this process.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        GivenLock() is { } plain ? plain.Acquire(timeout, cancellationToken) : GetLock().Acquire(timeout, cancellationToken);

    /// <summary>Acquires the lock that guards the array, waiting asynchronously (see <see cref="Acquire"/>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The array was made without a lock (<see cref="SharedLockMode.None"/>).</exception>
    /// <exception cref="ObjectDisposedException">The array was closed in this process.</exception>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        GivenLock() is { } plain ? plain.AcquireAsync(timeout, cancellationToken) : GetLock().AcquireAsync(timeout, cancellationToken);

    /// <summary>The <see cref="SharedLock"/> given at creation, or null if another kind of lock (or none) guards the array.</summary>
    private SharedLock? GivenLock()
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        return givenLock;
    }

    /// <summary>Atomically adds <paramref name="value"/> to an element (int, uint, long or ulong elements).</summary>
    /// <param name="index">The element's index.</param>
    /// <param name="value">What to add.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException">The element type has no atomic add.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Add(int index, T value)
    {
        using SegmentLease use = segment.Enter(this);
        return Atomics.Add(ref this[index], value);
    }

    /// <summary>Atomically replaces an element, returning the old value (int, uint, long, ulong, float or double elements).</summary>
    /// <param name="index">The element's index.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The old value.</returns>
    /// <exception cref="NotSupportedException">The element type has no atomic exchange.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Exchange(int index, T value)
    {
        using SegmentLease use = segment.Enter(this);
        return Atomics.Exchange(ref this[index], value);
    }

    /// <summary>Atomically replaces an element if it equals <paramref name="comparand"/>.</summary>
    /// <param name="index">The element's index.</param>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value it must have.</param>
    /// <returns>The value it had (equal to <paramref name="comparand"/> if it was replaced).</returns>
    /// <exception cref="NotSupportedException">The element type has no atomic compare-exchange.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T CompareExchange(int index, T value, T comparand)
    {
        using SegmentLease use = segment.Enter(this);
        return Atomics.CompareExchange(ref this[index], value, comparand);
    }

    /// <summary>Closes the array in this process; it is removed once no process has it open.</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>. A span or reference taken before must not be used after: it then reads and writes private zero pages, no longer the array (see <see cref="Segment"/>).</remarks>
    public void Dispose()
    {
        segment.Dispose();
        givenLock?.Dispose();
        if (guard == SharedArrayGuard.RLock)
        {
            Volatile.Read(ref recursiveLock)?.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"SharedArray<{typeof(T).Name}>('{Name}', length={length}{(segment.IsClosed ? ", closed" : string.Empty)})";
}
