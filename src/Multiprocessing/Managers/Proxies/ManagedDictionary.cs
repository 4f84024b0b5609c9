using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a dictionary held by a <see cref="Manager"/> (Python's <c>DictProxy</c>): every operation is one
/// request to the manager, so every process with a proxy to it sees the same entries.
/// </summary>
/// <typeparam name="TKey">The key type. Keys are compared by their encoding (MessagePack, field by field), not by <see cref="object.Equals(object)"/>.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <remarks>
/// <para>
/// Each single operation is atomic in the manager. A read-modify-write such as <c>d[k] = d[k] + 1</c> is two
/// operations and races with other processes: use <see cref="Increment"/>, <see cref="GetOrAdd"/>,
/// <see cref="TryAdd"/> or <see cref="TryUpdate"/> (compare-and-set) instead. <see cref="Keys"/>,
/// <see cref="Values"/> and enumeration are snapshots taken in one operation.
/// </para>
/// <para>
/// Pass the proxy to a child process as an argument or a captured variable declared as
/// <see cref="ManagedDictionary{TKey, TValue}"/> (not as <see cref="IDictionary{TKey, TValue}"/>): it crosses as
/// the manager's address, key and the object's id, and connects to the manager there. A proxy is safe to use from
/// several threads; their calls take turns on its one connection. Dispose it to close that connection: the manager
/// drops the dictionary once no proxy holds it (disposed, collected, or its process ended) and no copy is on its way
/// to another process; a named one stays as long as the manager.
/// </para>
/// </remarks>
public sealed class ManagedDictionary<TKey, TValue> : ManagedProxy, IDictionary<TKey, TValue>, IReadOnlyDictionary<TKey, TValue>, IManagedObject<ManagedDictionary<TKey, TValue>>
    where TKey : notnull
{
    internal ManagedDictionary(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>The number of entries.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count => Call(ManagerOp.DictCount, static reply => reply.ReadInt32());

    /// <summary>A snapshot of the keys.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public ICollection<TKey> Keys => Snapshot().Select(e => e.Key).ToList().AsReadOnly();

    /// <summary>A snapshot of the values.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public ICollection<TValue> Values => Snapshot().Select(e => e.Value).ToList().AsReadOnly();

    /// <summary>Always false.</summary>
    bool ICollection<KeyValuePair<TKey, TValue>>.IsReadOnly => false;

    /// <inheritdoc/>
    IEnumerable<TKey> IReadOnlyDictionary<TKey, TValue>.Keys => Keys;

    /// <inheritdoc/>
    IEnumerable<TValue> IReadOnlyDictionary<TKey, TValue>.Values => Values;

    /// <summary>The value of <paramref name="key"/>; setting it adds or replaces the entry.</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="KeyNotFoundException">Getting a key that is absent.</exception>
    /// <exception cref="ArgumentException">The key or the value cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public TValue this[TKey key]
    {
        get => TryGetValue(key, out TValue? value) ? value : throw new KeyNotFoundException($"The key '{key}' is not in the managed dictionary.");
        set => Call(ManagerOp.DictSet, (key, value), WriteEntry);
    }

    /// <summary>Reads the value of <paramref name="key"/>, if present.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, or the default.</param>
    /// <returns>Whether the key is present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => TryKeyOp(ManagerOp.DictGet, key, out value);

    /// <summary>Adds an entry.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The key is already present, or the key or value cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Add(TKey key, TValue value)
    {
        if (!TryAdd(key, value))
        {
            throw new ArgumentException($"The key '{key}' is already in the managed dictionary.", nameof(key));
        }
    }

    /// <summary>Adds an entry if the key is absent, atomically.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <returns>Whether it was added.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryAdd(TKey key, TValue value) => Call(ManagerOp.DictTryAdd, (key, value), WriteEntry, ReadBool);

    /// <summary>The value of <paramref name="key"/>, adding <paramref name="value"/> first if the key is absent, atomically.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to add if absent.</param>
    /// <returns>The value now held for the key.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public TValue GetOrAdd(TKey key, TValue value) =>
        Call(ManagerOp.DictGetOrAdd, (key, value), WriteEntry, static (reply, _) => ItemCodec<TValue>.Read(reply.Rest[1..])); // after the added flag (1 byte)

    /// <summary>Sets <paramref name="key"/> to <paramref name="newValue"/> if its value is <paramref name="comparisonValue"/> (compare-and-set, comparing encodings), atomically.</summary>
    /// <param name="key">The key.</param>
    /// <param name="newValue">The value to set.</param>
    /// <param name="comparisonValue">The value expected now.</param>
    /// <returns>Whether the value was replaced; false if the key is absent or holds another value.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryUpdate(TKey key, TValue newValue, TValue comparisonValue) => Call(
        ManagerOp.DictTryUpdate,
        (Key: key, New: newValue, Comparison: comparisonValue),
        static (args, a) =>
        {
            ItemCodec<TKey>.WriteFramed(args, a.Key, nameof(key));
            ItemCodec<TValue>.WriteFramed(args, a.New, nameof(newValue));
            ItemCodec<TValue>.Write(args, a.Comparison, nameof(comparisonValue));
        },
        ReadBool);

    /// <summary>Adds <paramref name="delta"/> to the integer value of <paramref name="key"/> (taken as 0 if absent), atomically.</summary>
    /// <param name="key">The key.</param>
    /// <param name="delta">What to add; negative to subtract.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="RemoteException">The key holds a value that is not an integer (<c>System.InvalidOperationException</c> in the manager), or the sum overflows a 64-bit integer.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public long Increment(TKey key, long delta = 1) => Call(
        ManagerOp.DictIncrement,
        (Key: key, Delta: delta),
        static (args, a) =>
        {
            ItemCodec<TKey>.WriteFramed(args, a.Key, nameof(key));
            args.WriteInt64(a.Delta);
        },
        static (reply, _) => reply.ReadInt64());

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    /// <param name="key">The key.</param>
    /// <returns>True if present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool ContainsKey(TKey key) => Call(ManagerOp.DictContainsKey, key, WriteKey, ReadBool);

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether it was present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Remove(TKey key) => TryRemove(key, out _);

    /// <summary>Removes <paramref name="key"/> and returns its value, atomically (Python's <c>pop</c>).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value it had, or the default.</param>
    /// <returns>Whether it was present.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryRemove(TKey key, [MaybeNullWhen(false)] out TValue value) => TryKeyOp(ManagerOp.DictRemove, key, out value);

    /// <summary>An operation on <paramref name="key"/> whose reply is found (1 byte) then the value: <c>DictGet</c>, <c>DictRemove</c>.</summary>
    private bool TryKeyOp(ManagerOp op, TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        (bool found, value) = Call(op, key, WriteKey, static (reply, _) => reply.ReadBool() ? (true, ItemCodec<TValue>.Read(reply.Rest)) : (false, default(TValue)));
        return found;
    }

    /// <summary>Removes every entry.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Clear() => Call(ManagerOp.DictClear);

    /// <summary>A snapshot of the entries, taken in one operation (Python's <c>items()</c>).</summary>
    /// <returns>The entries, in no particular order.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public List<KeyValuePair<TKey, TValue>> Snapshot() => Call(ManagerOp.DictItems, static reply =>
    {
        int count = reply.ReadInt32();
        var items = new List<KeyValuePair<TKey, TValue>>(count);
        for (int i = 0; i < count; i++)
        {
            TKey key = ItemCodec<TKey>.Read(reply.ReadFramed());
            items.Add(new(key, ItemCodec<TValue>.Read(reply.ReadFramed())));
        }

        return items;
    });

    /// <summary>Enumerates a snapshot of the entries.</summary>
    /// <returns>The enumerator.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => Snapshot().GetEnumerator();

    /// <inheritdoc/>
    static ManagedDictionary<TKey, TValue> IManagedObject<ManagedDictionary<TKey, TValue>>.Make(ManagerChannel channel, long id) => new(channel, id);

    /// <inheritdoc/>
    void ICollection<KeyValuePair<TKey, TValue>>.Add(KeyValuePair<TKey, TValue> item) => Add(item.Key, item.Value);

    /// <inheritdoc/>
    bool ICollection<KeyValuePair<TKey, TValue>>.Contains(KeyValuePair<TKey, TValue> item) =>
        TryGetValue(item.Key, out TValue? value) && EqualityComparer<TValue>.Default.Equals(value, item.Value);

    /// <inheritdoc/>
    void ICollection<KeyValuePair<TKey, TValue>>.CopyTo(KeyValuePair<TKey, TValue>[] array, int arrayIndex) =>
        Snapshot().CopyTo(array, arrayIndex);

    /// <inheritdoc/>
    bool ICollection<KeyValuePair<TKey, TValue>>.Remove(KeyValuePair<TKey, TValue> item) =>
        Call(ManagerOp.DictRemoveIfEquals, (item.Key, item.Value), WriteEntry, ReadBool);

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Writes a key (framed), then a value: the arguments of <c>DictSet</c>, <c>DictTryAdd</c>, <c>DictGetOrAdd</c>, <c>DictRemoveIfEquals</c>.</summary>
    private static void WriteEntry(WireBuffer args, (TKey Key, TValue Value) entry)
    {
        ItemCodec<TKey>.WriteFramed(args, entry.Key, "key");
        ItemCodec<TValue>.Write(args, entry.Value, "value");
    }

    private static void WriteKey(WireBuffer args, TKey key) => ItemCodec<TKey>.Write(args, key, nameof(key));

    private static bool ReadBool<TArgs>(WireReader reply, TArgs args) => reply.ReadBool();
}
