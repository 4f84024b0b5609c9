using System.Runtime.CompilerServices;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A fixed-length array of unmanaged values in shared memory (Python's <c>multiprocessing.Array</c>), with the
/// recursive lock Python's <c>get_lock()</c> gives, and atomic operations for integer elements.
/// </summary>
/// <typeparam name="T">The element type: any unmanaged type. Python's type codes map as 'b' → sbyte, 'B' → byte,
/// 'h' → short, 'H' → ushort, 'i' → int, 'I' → uint, 'l' → long, 'L' → ulong, 'q' → long, 'Q' → ulong,
/// 'f' → float, 'd' → double, 'c' → byte, 'u' → char.</typeparam>
/// <remarks>
/// Element access is not synchronized: <c>a[0] += 100</c> from several processes races, exactly as in Python.
/// Take <see cref="GetLock"/> around it, or use <see cref="Add"/>, which is atomic. Pass the array to a
/// <see cref="ChildProcess"/> and the child works on the same memory.
/// </remarks>
public sealed class SharedArray<T> : IDisposable, ISharedObject<SharedArray<T>>
    where T : unmanaged
{
    // The get_lock() lock has a cache line of its own: elements updated atomically by other processes do not
    // slow down its holder (measured: no gain in putting the first elements on the lock's line).
    private const int LockBytes = 64;
    private readonly Segment segment;
    private readonly nint data;
    private readonly int length;
    private SharedRLock? embeddedLock;

    private SharedArray(Segment segment)
    {
        this.segment = segment;
        unsafe
        {
            data = (nint)(segment.Data + LockBytes);
        }

        length = (int)((segment.PayloadSize - LockBytes) / Unsafe.SizeOf<T>());
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
    public ref T this[int index] => ref AsSpan()[index];

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements (Python's <c>Array('i', 5)</c>).</summary>
    /// <param name="length">Number of elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    internal static SharedArray<T> Create(int length, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new SharedArray<T>(Segment.Create(name, LockBytes + ((long)length * Unsafe.SizeOf<T>()), SegmentKind.Array, ElementTag.Of<T>()));
    }

    /// <summary>Creates an array holding a copy of <paramref name="values"/> (Python's <c>Array('i', [1, 2, 3, 4])</c>).</summary>
    /// <param name="values">The initial elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    internal static SharedArray<T> Create(ReadOnlySpan<T> values, string? name = null)
    {
        SharedArray<T> array = Create(values.Length, name);
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

        return new SharedArray<T>(segment);
    }

    /// <inheritdoc/>
    static SharedArray<T> ISharedObject<SharedArray<T>>.Reopen(string descriptor) => Open(descriptor);

    /// <summary>The elements as a span over the shared memory.</summary>
    /// <returns>The span: valid until the array is disposed (used after that, it reads and writes memory of no one, never the array's).</returns>
    /// <exception cref="ObjectDisposedException">The array has been closed in this process.</exception>
    public unsafe Span<T> AsSpan()
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        return new Span<T>((void*)data, length);
    }

    /// <summary>The recursive lock that goes with this array (Python's <c>get_lock()</c>), the same object in every process.</summary>
    /// <returns>The lock; it lives as long as the array.</returns>
    public SharedRLock GetLock()
    {
        ObjectDisposedException.ThrowIf(segment.IsClosed, this);
        SharedRLock? current = Volatile.Read(ref embeddedLock);
        if (current is null || current.IsDisposed)
        {
            // A disposed lock object refuses use; the lock itself, in the array, lives on: a new object for it.
            current = SharedRLock.Embedded(segment);
            Volatile.Write(ref embeddedLock, current);
        }

        return current;
    }

    /// <summary>Atomically adds <paramref name="value"/> to an element (int, uint, long or ulong elements).</summary>
    /// <param name="index">The element's index.</param>
    /// <param name="value">What to add.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException">The element type has no atomic add.</exception>
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
    public T CompareExchange(int index, T value, T comparand)
    {
        using SegmentLease use = segment.Enter(this);
        return Atomics.CompareExchange(ref this[index], value, comparand);
    }

    /// <summary>Closes the array in this process; it is removed once no process has it open.</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>. A span or reference taken before must not be used after: it then reads and writes private zero pages, no longer the array (see <see cref="Segment"/>).</remarks>
    public void Dispose() => segment.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"SharedArray<{typeof(T).Name}>('{Name}', length={length}{(segment.IsClosed ? ", closed" : string.Empty)})";
}
