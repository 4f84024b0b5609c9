using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a namespace held by a <see cref="Manager"/> (Python's <c>manager.Namespace()</c>): named attributes
/// of any encodable types. <c>ns.x = 1</c> is <c>ns.Set("x", 1)</c>; <c>ns.x</c> is <c>ns.Get&lt;int&gt;("x")</c>.
/// </summary>
/// <remarks>
/// The reader names the type the writer used, as with a <see cref="Connection"/>. Each call is one operation in the
/// manager; <c>ns.Set("x", ns.Get&lt;int&gt;("x") + 1)</c> is two and races (in Python too): use
/// <see cref="Increment"/>. Pass it to a child declared as <see cref="ManagedNamespace"/>.
/// </remarks>
public sealed class ManagedNamespace : ManagedProxy, IManagedObject<ManagedNamespace>
{
    internal ManagedNamespace(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>Sets an attribute.</summary>
    /// <typeparam name="T">The value's type; readers name the same.</typeparam>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The value cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Set<T>(string name, T value)
    {
        ArgumentNullException.ThrowIfNull(name);
        Call(ManagerOp.DictSet, (name, value), static (args, a) =>
        {
            ItemCodec<string>.WriteFramed(args, a.name, nameof(name));
            ItemCodec<T>.Write(args, a.value, nameof(value));
        });
    }

    /// <summary>Reads an attribute.</summary>
    /// <typeparam name="T">The type it was set as.</typeparam>
    /// <param name="name">The attribute's name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">No such attribute (Python's <c>AttributeError</c>).</exception>
    /// <exception cref="InvalidDataException">The value is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Get<T>(string name)
    {
        if (!TryGet<T>(name, out T? value))
        {
            throw new KeyNotFoundException($"The namespace has no attribute '{name}'.");
        }

        return value;
    }

    /// <summary>Reads an attribute if it exists.</summary>
    /// <typeparam name="T">The type it was set as.</typeparam>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">The value, or the default.</param>
    /// <returns>Whether it exists.</returns>
    /// <exception cref="InvalidDataException">The value is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryGet<T>(string name, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(name);
        (bool found, value) = Call(ManagerOp.DictGet, name, WriteName, static (reply, _) => reply.ReadBool() ? (true, ItemCodec<T>.Read(reply.Rest)) : (false, default(T)));
        return found;
    }

    /// <summary>Adds <paramref name="delta"/> to an integer attribute (0 if absent), atomically.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="delta">What to add.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="RemoteException">The attribute is not an integer, or the sum overflows.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public long Increment(string name, long delta = 1)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Call(
            ManagerOp.DictIncrement,
            (name, delta),
            static (args, a) =>
            {
                ItemCodec<string>.WriteFramed(args, a.name, nameof(name));
                args.WriteInt64(a.delta);
            },
            static (reply, _) => reply.ReadInt64());
    }

    /// <summary>Removes an attribute (Python's <c>del ns.x</c>).</summary>
    /// <param name="name">The attribute's name.</param>
    /// <returns>Whether it existed.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Call(ManagerOp.DictRemove, name, WriteName, static (reply, _) => reply.ReadBool());
    }

    /// <summary>The attributes' names, a snapshot.</summary>
    /// <returns>The names, in no particular order.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public IReadOnlyList<string> Names() => [.. Items().Select(item => item.Name)];

    /// <summary>
    /// The attributes as Python prints a namespace: <c>Namespace(age=3, name='Bob')</c>, sorted, names that start with
    /// <c>_</c> left out, each value as Python's <c>repr()</c> shows it (an object of fields as the list of them).
    /// One request to the manager; if the proxy is closed or the manager gone, a description of the proxy instead.
    /// </summary>
    /// <returns>The attributes, or a description of the proxy.</returns>
    public override string ToString()
    {
        List<(string Name, byte[] Value)> items;
        try
        {
            items = Items();
        }
        catch (Exception e) when (e is ObjectDisposedException or ManagerUnavailableException or IOException)
        {
            return base.ToString();
        }

        IEnumerable<string> shown = items
            .Where(item => !item.Name.StartsWith('_'))
            .Select(item => $"{item.Name}={Codec.PythonRepr.Of(item.Value)}")
            .Order(StringComparer.Ordinal);
        return $"Namespace({string.Join(", ", shown)})";
    }

    /// <summary>Every attribute's name and encoded value, one request.</summary>
    private List<(string Name, byte[] Value)> Items() => Call(ManagerOp.DictItems, static reply =>
    {
        int count = reply.ReadInt32();
        var items = new List<(string, byte[])>(count);
        for (int i = 0; i < count; i++)
        {
            string name = ItemCodec<string>.Read(reply.ReadFramed());
            items.Add((name, reply.ReadFramed().ToArray()));
        }

        return items;
    });

    private static void WriteName(WireBuffer args, string name) => ItemCodec<string>.Write(args, name, nameof(name));

    /// <inheritdoc/>
    static ManagedNamespace IManagedObject<ManagedNamespace>.Make(ManagerChannel channel, long id) => new(channel, id);
}
