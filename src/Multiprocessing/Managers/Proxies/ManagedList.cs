using System.Collections;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a list held by a <see cref="Manager"/> (Python's <c>ListProxy</c>): every operation is one request to
/// the manager, so every process with a proxy to it sees the same items.
/// </summary>
/// <typeparam name="T">The item type. Items are compared (<see cref="IndexOf"/>, <see cref="Remove"/>, <see cref="Contains"/>) by their encoding.</typeparam>
/// <remarks>
/// Each single operation is atomic in the manager; <see cref="Add"/> returns the count after it, so concurrent
/// appenders each know where their item went. Enumeration and <see cref="Snapshot"/> take a copy in one operation.
/// Pass the proxy to a child process declared as <see cref="ManagedList{T}"/>; it connects to the manager there.
/// A proxy is safe to use from several threads. Dispose it to close this process's connection.
/// </remarks>
public sealed class ManagedList<T> : ManagedProxy, IList<T>, IReadOnlyList<T>, IManagedObject<ManagedList<T>>
{
    internal ManagedList(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>The number of items.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count => Call(ManagerOp.ListCount, static reply => reply.ReadInt32());

    /// <summary>Always false.</summary>
    bool ICollection<T>.IsReadOnly => false;

    /// <summary>The item at <paramref name="index"/>.</summary>
    /// <param name="index">The index.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in the list now.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T this[int index]
    {
        get => Call(ManagerOp.ListGet, index, WriteIndex, ReadItemAt);
        set => Call(ManagerOp.ListSet, (index, value), WriteIndexAndItem, ReadInRange);
    }

    /// <summary>Appends an item (Python's <c>append</c>).</summary>
    /// <param name="item">The item.</param>
    /// <returns>The number of items after it, so the item's index was this minus one.</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Add(T item) => Call(ManagerOp.ListAdd, item, WriteItem, static (reply, _) => reply.ReadInt32());

    /// <summary>Inserts an item at <paramref name="index"/>.</summary>
    /// <param name="index">Where; the count appends.</param>
    /// <param name="item">The item.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or past the count.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Insert(int index, T item) => Call(ManagerOp.ListInsert, (index, item), WriteIndexAndItem, ReadInRange);

    /// <summary>Removes the item at <paramref name="index"/>.</summary>
    /// <param name="index">The index.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in the list now.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void RemoveAt(int index) => Pop(index);

    /// <summary>Removes the item at <paramref name="index"/> and returns it, atomically (Python's <c>pop(i)</c>).</summary>
    /// <param name="index">The index.</param>
    /// <returns>The item removed.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in the list now.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Pop(int index) => Call(ManagerOp.ListRemoveAt, index, WriteIndex, ReadItemAt);

    /// <summary>The index of the first item whose encoding is <paramref name="item"/>'s, or -1.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The index, or -1.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int IndexOf(T item) => Call(ManagerOp.ListIndexOf, item, WriteItem, static (reply, _) => reply.ReadInt32());

    /// <summary>Whether an item with <paramref name="item"/>'s encoding is in the list.</summary>
    /// <param name="item">The item.</param>
    /// <returns>True if present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Contains(T item) => IndexOf(item) >= 0;

    /// <summary>Removes the first item with <paramref name="item"/>'s encoding, atomically.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether one was removed.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Remove(T item) => Call(ManagerOp.ListRemove, item, WriteItem, static (reply, _) => reply.ReadBool());

    /// <summary>Removes every item.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Clear() => Call(ManagerOp.ListClear);

    /// <summary>A copy of the items, taken in one operation.</summary>
    /// <returns>The items, in order.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public List<T> Snapshot() => Call(ManagerOp.ListItems, static reply =>
    {
        int count = reply.ReadInt32();
        var items = new List<T>(count);
        for (int i = 0; i < count; i++)
        {
            items.Add(ItemCodec<T>.Read(reply.ReadFramed()));
        }

        return items;
    });

    /// <summary>Copies a snapshot into <paramref name="array"/>.</summary>
    /// <param name="array">The destination.</param>
    /// <param name="arrayIndex">Where to start in it.</param>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    /// <summary>Enumerates a snapshot of the items.</summary>
    /// <returns>The enumerator.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    /// <inheritdoc/>
    static ManagedList<T> IManagedObject<ManagedList<T>>.Make(ManagerChannel channel, long id) => new(channel, id);

    /// <inheritdoc/>
    void ICollection<T>.Add(T item) => Add(item);

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static ArgumentOutOfRangeException OutOfRange(int index) =>
        new(nameof(index), index, "The index is not in the managed list.");

    private static void WriteItem(WireBuffer args, T item) => ItemCodec<T>.Write(args, item, nameof(item));

    private static void WriteIndex(WireBuffer args, int index) => args.WriteInt32(index);

    private static void WriteIndexAndItem(WireBuffer args, (int Index, T Item) a)
    {
        args.WriteInt32(a.Index);
        ItemCodec<T>.Write(args, a.Item, "item");
    }

    /// <summary>Reads a reply that is in range (1 byte) then the item; out of range throws.</summary>
    private static T ReadItemAt(WireReader reply, int index) => reply.ReadBool() ? ItemCodec<T>.Read(reply.Rest) : throw OutOfRange(index);

    /// <summary>Reads a reply that is in range (1 byte); out of range throws.</summary>
    private static bool ReadInRange(WireReader reply, (int Index, T Item) a) => reply.ReadBool() ? true : throw OutOfRange(a.Index);
}
