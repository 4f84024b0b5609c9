using System.Collections;
using Multiprocessing.Managers;
using Multiprocessing.Sharing;

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
public sealed class ManagedList<T> : IList<T>, IReadOnlyList<T>, IDisposable, ISharedObject<ManagedList<T>>
{
    private readonly ManagerChannel channel;
    private readonly long id;

    internal ManagedList(ManagerChannel channel, long id)
    {
        this.channel = channel;
        this.id = id;
    }

    /// <summary>The number of items.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count
    {
        get
        {
            lock (channel.Gate)
            {
                channel.Begin(ManagerOp.ListCount, id);
                return new WireReader(channel.Invoke()).ReadInt32();
            }
        }
    }

    /// <summary>Always false.</summary>
    bool ICollection<T>.IsReadOnly => false;

    /// <inheritdoc/>
    string ISharedObject<ManagedList<T>>.Descriptor => channel.Describe(id);

    /// <summary>The item at <paramref name="index"/>.</summary>
    /// <param name="index">The index.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in the list now.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T this[int index]
    {
        get
        {
            lock (channel.Gate)
            {
                channel.Begin(ManagerOp.ListGet, id).WriteInt32(index);
                var reply = new WireReader(channel.Invoke());
                return reply.ReadBool() ? ItemCodec<T>.Read(reply.Rest) : throw OutOfRange(index);
            }
        }

        set
        {
            lock (channel.Gate)
            {
                WireBuffer args = channel.Begin(ManagerOp.ListSet, id);
                args.WriteInt32(index);
                ItemCodec<T>.Write(args, value, nameof(value));
                if (!new WireReader(channel.Invoke()).ReadBool())
                {
                    throw OutOfRange(index);
                }
            }
        }
    }

    /// <summary>Appends an item (Python's <c>append</c>).</summary>
    /// <param name="item">The item.</param>
    /// <returns>The number of items after it, so the item's index was this minus one.</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Add(T item)
    {
        lock (channel.Gate)
        {
            ItemCodec<T>.Write(channel.Begin(ManagerOp.ListAdd, id), item, nameof(item));
            return new WireReader(channel.Invoke()).ReadInt32();
        }
    }

    /// <summary>Inserts an item at <paramref name="index"/>.</summary>
    /// <param name="index">Where; the count appends.</param>
    /// <param name="item">The item.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or past the count.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Insert(int index, T item)
    {
        lock (channel.Gate)
        {
            WireBuffer args = channel.Begin(ManagerOp.ListInsert, id);
            args.WriteInt32(index);
            ItemCodec<T>.Write(args, item, nameof(item));
            if (!new WireReader(channel.Invoke()).ReadBool())
            {
                throw OutOfRange(index);
            }
        }
    }

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
    public T Pop(int index)
    {
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.ListRemoveAt, id).WriteInt32(index);
            var reply = new WireReader(channel.Invoke());
            return reply.ReadBool() ? ItemCodec<T>.Read(reply.Rest) : throw OutOfRange(index);
        }
    }

    /// <summary>The index of the first item whose encoding is <paramref name="item"/>'s, or -1.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The index, or -1.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int IndexOf(T item)
    {
        lock (channel.Gate)
        {
            ItemCodec<T>.Write(channel.Begin(ManagerOp.ListIndexOf, id), item, nameof(item));
            return new WireReader(channel.Invoke()).ReadInt32();
        }
    }

    /// <summary>Whether an item with <paramref name="item"/>'s encoding is in the list.</summary>
    /// <param name="item">The item.</param>
    /// <returns>True if present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Contains(T item) => IndexOf(item) >= 0;

    /// <summary>Removes the first item with <paramref name="item"/>'s encoding, atomically.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether one was removed.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Remove(T item)
    {
        lock (channel.Gate)
        {
            ItemCodec<T>.Write(channel.Begin(ManagerOp.ListRemove, id), item, nameof(item));
            return new WireReader(channel.Invoke()).ReadBool();
        }
    }

    /// <summary>Removes every item.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Clear()
    {
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.ListClear, id);
            channel.Invoke();
        }
    }

    /// <summary>A copy of the items, taken in one operation.</summary>
    /// <returns>The items, in order.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public List<T> Snapshot()
    {
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.ListItems, id);
            var reply = new WireReader(channel.Invoke());
            int count = reply.ReadInt32();
            var items = new List<T>(count);
            for (int i = 0; i < count; i++)
            {
                items.Add(ItemCodec<T>.Read(reply.ReadFramed()));
            }

            return items;
        }
    }

    /// <summary>Copies a snapshot into <paramref name="array"/>.</summary>
    /// <param name="array">The destination.</param>
    /// <param name="arrayIndex">Where to start in it.</param>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    /// <summary>Enumerates a snapshot of the items.</summary>
    /// <returns>The enumerator.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    /// <summary>Closes this proxy's connection to the manager, which then drops the list if nothing else holds it (another proxy, a copy on its way to another process, or its name).</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedList #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedList<T> ISharedObject<ManagedList<T>>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return new ManagedList<T>(channel, id);
    }

    /// <inheritdoc/>
    void ICollection<T>.Add(T item) => Add(item);

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static ArgumentOutOfRangeException OutOfRange(int index) =>
        new(nameof(index), index, "The index is not in the managed list.");
}
