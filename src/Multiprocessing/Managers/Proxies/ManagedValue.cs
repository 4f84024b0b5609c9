using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a single value held by a <see cref="Manager"/> (Python's <c>manager.Value</c>, a <c>ValueProxy</c>):
/// every process with a proxy to it reads and writes the same value.
/// </summary>
/// <typeparam name="T">The value's type; any encodable type, not only numbers.</typeparam>
/// <remarks>
/// Reading and writing <see cref="Value"/> are one operation each; <c>v.Value += 1</c> is two and races (in Python
/// too). Use <see cref="Increment"/> for integers, or <see cref="CompareExchange"/> (comparing encodings) in a loop.
/// Pass it to a child declared as <see cref="ManagedValue{T}"/>; it connects to the manager there.
/// </remarks>
public sealed class ManagedValue<T> : ManagedProxy, IManagedObject<ManagedValue<T>>
{
    internal ManagedValue(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>The value (Python's <c>.value</c>).</summary>
    /// <exception cref="ArgumentException">Setting a value that cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Value
    {
        get => Call(ManagerOp.ValueGet, static reply => ItemCodec<T>.Read(reply.Rest));
        set => Call(ManagerOp.ValueSet, value, static (args, value) => ItemCodec<T>.Write(args, value, nameof(value)));
    }

    /// <summary>Replaces the value, atomically.</summary>
    /// <param name="value">The new value.</param>
    /// <returns>The value before.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Exchange(T value) =>
        Call(ManagerOp.ValueExchange, value, static (args, value) => ItemCodec<T>.Write(args, value, nameof(value)), static (reply, _) => ItemCodec<T>.Read(reply.Rest));

    /// <summary>Replaces the value with <paramref name="value"/> if it is <paramref name="comparand"/> (comparing encodings), atomically.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value expected now.</param>
    /// <returns>The value before, whether or not it was replaced (as <see cref="Interlocked.CompareExchange(ref int, int, int)"/>).</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T CompareExchange(T value, T comparand) => Call(
        ManagerOp.ValueCompareExchange,
        (Value: value, Comparand: comparand),
        static (args, a) =>
        {
            ItemCodec<T>.WriteFramed(args, a.Value, nameof(value));
            ItemCodec<T>.Write(args, a.Comparand, nameof(comparand));
        },
        static (reply, _) => ItemCodec<T>.Read(reply.Rest[1..])); // after the replaced flag (1 byte)

    /// <summary>Adds <paramref name="delta"/> to an integer value, atomically.</summary>
    /// <param name="delta">What to add; negative to subtract.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="RemoteException">The value is not an integer, or the sum overflows a 64-bit integer.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public long Increment(long delta = 1) =>
        Call(ManagerOp.ValueIncrement, delta, static (args, delta) => args.WriteInt64(delta), static (reply, _) => reply.ReadInt64());

    /// <inheritdoc/>
    static ManagedValue<T> IManagedObject<ManagedValue<T>>.Make(ManagerChannel channel, long id) => new(channel, id);
}
