using Multiprocessing.Managers;
using Multiprocessing.Sharing;

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
public sealed class ManagedValue<T> : IDisposable, ISharedObject<ManagedValue<T>>
{
    private readonly ManagerChannel channel;
    private readonly long id;

    internal ManagedValue(ManagerChannel channel, long id)
    {
        this.channel = channel;
        this.id = id;
    }

    /// <summary>The value (Python's <c>.value</c>).</summary>
    /// <exception cref="ArgumentException">Setting a value that cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Value
    {
        get
        {
            lock (channel.Gate)
            {
                channel.Begin(ManagerOp.ValueGet, id);
                return ItemCodec<T>.Read(channel.Invoke());
            }
        }

        set
        {
            lock (channel.Gate)
            {
                ItemCodec<T>.Write(channel.Begin(ManagerOp.ValueSet, id), value, nameof(value));
                channel.Invoke();
            }
        }
    }

    /// <inheritdoc/>
    string ISharedObject<ManagedValue<T>>.Descriptor => channel.Describe(id);

    /// <summary>Replaces the value, atomically.</summary>
    /// <param name="value">The new value.</param>
    /// <returns>The value before.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Exchange(T value)
    {
        lock (channel.Gate)
        {
            ItemCodec<T>.Write(channel.Begin(ManagerOp.ValueExchange, id), value, nameof(value));
            return ItemCodec<T>.Read(channel.Invoke());
        }
    }

    /// <summary>Replaces the value with <paramref name="value"/> if it is <paramref name="comparand"/> (comparing encodings), atomically.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value expected now.</param>
    /// <returns>The value before, whether or not it was replaced (as <see cref="Interlocked.CompareExchange(ref int, int, int)"/>).</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T CompareExchange(T value, T comparand)
    {
        lock (channel.Gate)
        {
            WireBuffer args = channel.Begin(ManagerOp.ValueCompareExchange, id);
            ItemCodec<T>.WriteFramed(args, value, nameof(value));
            ItemCodec<T>.Write(args, comparand, nameof(comparand));
            var reply = new WireReader(channel.Invoke());
            _ = reply.ReadBool();
            return ItemCodec<T>.Read(reply.Rest);
        }
    }

    /// <summary>Adds <paramref name="delta"/> to an integer value, atomically.</summary>
    /// <param name="delta">What to add; negative to subtract.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="RemoteException">The value is not an integer, or the sum overflows a 64-bit integer.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public long Increment(long delta = 1)
    {
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.ValueIncrement, id).WriteInt64(delta);
            return new WireReader(channel.Invoke()).ReadInt64();
        }
    }

    /// <summary>Closes this proxy's connection to the manager, which then drops the value if nothing else holds it (another proxy, a copy on its way to another process, or its name).</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedValue #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedValue<T> ISharedObject<ManagedValue<T>>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return new ManagedValue<T>(channel, id);
    }
}
