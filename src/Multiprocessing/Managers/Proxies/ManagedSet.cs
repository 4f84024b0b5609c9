using System.Collections;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a set held by a <see cref="Manager"/> (Python's <c>manager.set()</c>): every operation is one request to
/// the manager, so every process with a proxy to it sees the same items.
/// </summary>
/// <typeparam name="T">The item type. Items are compared by their encoding (MessagePack, field by field), not by <see cref="object.Equals(object)"/>.</typeparam>
/// <remarks>
/// Each operation is atomic in the manager: <see cref="Add"/> returns whether this call added the item, so of several
/// processes adding the same item exactly one sees true. Enumeration is a snapshot taken in one operation. Pass the
/// proxy to a child declared as <see cref="ManagedSet{T}"/>; dispose it to close its connection: the manager drops the
/// set once no proxy holds it and no copy is on its way to another process; a named one stays as long as the manager.
/// </remarks>
public sealed class ManagedSet<T> : ManagedProxy, ICollection<T>, IReadOnlyCollection<T>, IManagedObject<ManagedSet<T>>
    where T : notnull
{
    /// <summary>The items are the keys of a manager dictionary; the values are unused.</summary>
    private readonly ManagedDictionary<T, bool> items;

    internal ManagedSet(ManagerChannel channel, long id)
        : base(channel, id)
    {
        items = new ManagedDictionary<T, bool>(channel, id);
    }

    /// <summary>The number of items (Python's <c>len(s)</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count => items.Count;

    /// <summary>Always false.</summary>
    bool ICollection<T>.IsReadOnly => false;

    /// <summary>Adds <paramref name="item"/> if it is absent (Python's <c>s.add(item)</c>).</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether this call added it.</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Add(T item) => items.TryAdd(item, true);

    /// <summary>Removes <paramref name="item"/> if it is there (Python's <c>s.discard(item)</c>; <c>s.remove(item)</c> raises where this returns false).</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether it was there.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Remove(T item) => items.Remove(item);

    /// <summary>Whether <paramref name="item"/> is in the set (Python's <c>item in s</c>).</summary>
    /// <param name="item">The item.</param>
    /// <returns>True if it is.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Contains(T item) => items.ContainsKey(item);

    /// <summary>Removes every item (Python's <c>s.clear()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Clear() => items.Clear();

    /// <summary>A snapshot of the items, taken in one request.</summary>
    /// <returns>The items, in no particular order.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public List<T> Snapshot() => [.. items.Snapshot().Select(entry => entry.Key)];

    /// <summary>Enumerates a snapshot (see <see cref="Snapshot"/>).</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    /// <inheritdoc/>
    static ManagedSet<T> IManagedObject<ManagedSet<T>>.Make(ManagerChannel channel, long id) => new(channel, id);

    /// <inheritdoc/>
    void ICollection<T>.Add(T item) => Add(item);

    /// <inheritdoc/>
    void ICollection<T>.CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
