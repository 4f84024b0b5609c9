using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Multiprocessing.Managers;
using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>
/// A proxy to a fixed-length array held by a <see cref="Manager"/> (Python's <c>manager.Array(typecode, sequence)</c>):
/// every element access is one request to the manager, so every process with a proxy sees the same elements.
/// </summary>
/// <typeparam name="T">The element type, a plain value type (<c>int</c>, <c>double</c>, a struct of such); the manager holds its bytes.</typeparam>
/// <remarks>
/// Like an array, its length is fixed: <see cref="ICollection{T}.Add"/>, <see cref="IList{T}.Insert"/>,
/// <see cref="ICollection{T}.Remove"/>, <see cref="IList{T}.RemoveAt"/> and <see cref="ICollection{T}.Clear"/> throw
/// <see cref="NotSupportedException"/>. Each single operation is atomic in the manager (<see cref="CopyFrom"/>
/// writes all its elements at once; <see cref="ToArray"/> and enumeration read all at once), but a read followed by
/// a write is not: use <see cref="Increment"/>, or a <see cref="ManagedLock"/> around them. Pass the proxy to a
/// child declared as <see cref="ManagedArray{T}"/>; it connects to the manager there. A proxy is safe to use from
/// several threads. For an array in shared memory, without a server process, see <see cref="SharedArray{T}"/>.
/// </remarks>
public sealed class ManagedArray<T> : ManagedProxy, IList<T>, IReadOnlyList<T>, ISharedObject<ManagedArray<T>>
    where T : unmanaged
{
    private readonly int length;

    private ManagedArray(ManagerChannel channel, long id, int length)
        : base(channel, id) => this.length = length;

    /// <summary>The number of elements, fixed when the array was made (Python's <c>len(a)</c>).</summary>
    /// <exception cref="ObjectDisposedException">The proxy is disposed.</exception>
    public int Length
    {
        get
        {
            ThrowIfDisposed();
            return length;
        }
    }

    /// <summary>The number of elements: <see cref="Length"/>.</summary>
    /// <exception cref="ObjectDisposedException">The proxy is disposed.</exception>
    public int Count => Length;

    /// <summary>Always false: elements can be replaced, though not added or removed.</summary>
    bool ICollection<T>.IsReadOnly => false;

    /// <inheritdoc/>
    string ISharedObject<ManagedArray<T>>.Descriptor => string.Create(CultureInfo.InvariantCulture, $"{Length}:{Describe()}");

    /// <summary>The element at <paramref name="index"/>.</summary>
    /// <param name="index">The index, 0 to <see cref="Length"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T this[int index]
    {
        get
        {
            CheckIndex(index);
            T value = default;
            Read(index, MemoryMarshal.CreateSpan(ref value, 1));
            return value;
        }

        set
        {
            CheckIndex(index);
            Write(index, MemoryMarshal.CreateReadOnlySpan(ref value, 1));
        }
    }

    /// <summary>A copy of every element, read in one operation (Python's <c>a[:]</c>).</summary>
    /// <returns>The elements.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T[] ToArray()
    {
        var items = new T[Length];
        Read(0, items);
        return items;
    }

    /// <summary>Replaces elements from <paramref name="index"/> on with <paramref name="source"/>'s, in one operation (Python's <c>a[i:j] = values</c>).</summary>
    /// <param name="source">The new values.</param>
    /// <param name="index">Where the first goes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative, or the values would run past the end.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void CopyFrom(ReadOnlySpan<T> source, int index = 0)
    {
        if (index < 0 || index > Length - source.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{source.Length} elements from index {index} do not fit in the managed array of length {Length}.");
        }

        Write(index, source);
    }

    /// <summary>Adds <paramref name="delta"/> to the integer at <paramref name="index"/>, atomically in the manager (wrapping on overflow, as <c>unchecked</c> arithmetic).</summary>
    /// <param name="index">The index.</param>
    /// <param name="delta">What to add; may be negative.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither <see cref="int"/> nor <see cref="long"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public long Increment(int index, long delta = 1)
    {
        if (typeof(T) != typeof(int) && typeof(T) != typeof(long))
        {
            throw new NotSupportedException($"Increment is for arrays of int or long, not of {typeof(T).Name}.");
        }

        CheckIndex(index);
        return Call(
            ManagerOp.ArrayIncrement,
            (Self: this, Index: index, Delta: delta),
            static (args, a) =>
            {
                args.WriteInt32(a.Index);
                args.WriteInt64(a.Delta);
            },
            static (reply, a) => reply.ReadBool() ? reply.ReadInt64() : throw a.Self.OutOfRange(a.Index));
    }

    /// <summary>The index of the first element equal to <paramref name="item"/> in a copy of the array, or -1.</summary>
    /// <param name="item">The value.</param>
    /// <returns>The index, or -1.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int IndexOf(T item) => Array.IndexOf(ToArray(), item);

    /// <summary>Whether an element equals <paramref name="item"/>, in a copy of the array.</summary>
    /// <param name="item">The value.</param>
    /// <returns>True if present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Contains(T item) => IndexOf(item) >= 0;

    /// <summary>Copies the elements, read in one operation, into <paramref name="array"/>.</summary>
    /// <param name="array">The destination.</param>
    /// <param name="arrayIndex">Where to start in it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="array"/> has no room for them from <paramref name="arrayIndex"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="arrayIndex"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void CopyTo(T[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
        if (array.Length - arrayIndex < Length)
        {
            throw new ArgumentException($"The destination has no room for {Length} elements from index {arrayIndex}.", nameof(array));
        }

        Read(0, array.AsSpan(arrayIndex, Length));
    }

    /// <summary>Enumerates a copy of the elements, read in one operation.</summary>
    /// <returns>The enumerator.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)ToArray()).GetEnumerator();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedArray<{typeof(T).Name}>[{length}] #{Id} at {Client.Describe(ManagerEndPoint)}";

    /// <inheritdoc/>
    static ManagedArray<T> ISharedObject<ManagedArray<T>>.Reopen(string descriptor)
    {
        int colon = descriptor.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(descriptor.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out int length))
        {
            throw new InvalidDataException($"Not a managed array: '{descriptor}'.");
        }

        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor[(colon + 1)..], out long id);
        return new ManagedArray<T>(channel, id, length);
    }

    /// <summary>Not supported: an array's length is fixed.</summary>
    /// <param name="item">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICollection<T>.Add(T item) => throw FixedLength();

    /// <summary>Not supported: an array's length is fixed.</summary>
    /// <param name="index">Ignored.</param>
    /// <param name="item">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void IList<T>.Insert(int index, T item) => throw FixedLength();

    /// <summary>Not supported: an array's length is fixed.</summary>
    /// <param name="item">Ignored.</param>
    /// <returns>Nothing.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    bool ICollection<T>.Remove(T item) => throw FixedLength();

    /// <summary>Not supported: an array's length is fixed.</summary>
    /// <param name="index">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void IList<T>.RemoveAt(int index) => throw FixedLength();

    /// <summary>Not supported: an array's length is fixed.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICollection<T>.Clear() => throw FixedLength();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A proxy to the array <paramref name="id"/>, whose length it asks the manager once.</summary>
    /// <exception cref="InvalidOperationException">The array's elements are not the size of a <typeparamref name="T"/> (a named array made with another type).</exception>
    internal static ManagedArray<T> Open(ManagerChannel channel, long id)
    {
        (int elementSize, int length) = channel.Call<byte, (int, int)>(ManagerOp.ArrayInfo, id, 0, null, static (reply, _) => (reply.ReadInt32(), reply.ReadInt32()));

        if (elementSize != Unsafe.SizeOf<T>())
        {
            channel.Dispose();
            throw new InvalidOperationException($"The managed array holds {elementSize}-byte elements, not {typeof(T).Name} ({Unsafe.SizeOf<T>()} bytes).");
        }

        return new ManagedArray<T>(channel, id, length);
    }

    private static NotSupportedException FixedLength() => new("A managed array has a fixed length, as an array does.");

    private ArgumentOutOfRangeException OutOfRange(int index) =>
        new(nameof(index), index, $"Index {index} is outside the managed array of length {Length}.");

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw OutOfRange(index);
        }
    }

    private void Read(int index, Span<T> into) =>
        Access(new Elements(this, ManagerOp.ArrayRead, index, into.Length, target: MemoryMarshal.AsBytes(into)));

    private void Write(int index, ReadOnlySpan<T> values) =>
        Access(new Elements(this, ManagerOp.ArrayWrite, index, values.Length, source: MemoryMarshal.AsBytes(values)));

    /// <summary>
    /// Reads (<see cref="ManagerOp.ArrayRead"/>: the index, the count) or writes (<see cref="ManagerOp.ArrayWrite"/>:
    /// the index, the bytes) elements; the reply says whether they are in range, then for a read has their bytes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The elements are not in the array.</exception>
    private void Access(Elements elements) => Call(
        elements.Op,
        elements,
        static (args, e) =>
        {
            args.WriteInt32(e.Index);
            if (e.Op == ManagerOp.ArrayRead)
            {
                args.WriteInt32(e.Count);
            }
            else
            {
                args.WriteBytes(e.Source);
            }
        },
        static (reply, e) =>
        {
            if (!reply.ReadBool())
            {
                throw e.Owner.OutOfRange(e.Index);
            }

            reply.Rest[..e.Target.Length].CopyTo(e.Target);
            return true;
        });

    /// <summary>The arguments of a read or a write: elements from an index, and the bytes to write or to read into.</summary>
    private readonly ref struct Elements(ManagedArray<T> owner, ManagerOp op, int index, int count, ReadOnlySpan<byte> source = default, Span<byte> target = default)
    {
        public ManagerOp Op { get; } = op;

        public int Index { get; } = index;

        public int Count { get; } = count;

        public ReadOnlySpan<byte> Source { get; } = source;

        public Span<byte> Target { get; } = target;

        public ManagedArray<T> Owner { get; } = owner;
    }
}
