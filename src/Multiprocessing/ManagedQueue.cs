using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;
using Multiprocessing.Shared;

namespace Multiprocessing;

/// <summary>A proxy to a FIFO queue held by a <see cref="Manager"/> (Python's <c>manager.Queue(maxsize)</c>).</summary>
/// <typeparam name="T">The items' type.</typeparam>
/// <remarks>
/// Any number of producers and consumers in any processes; the waits happen in the manager. Pass it to a child
/// declared as <see cref="ManagedQueue{T}"/>. A proxy is one connection: a thread waiting on it holds up the
/// proxy's other calls. For a queue without a server process, see <see cref="SharedQueue{T}"/>.
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, named as in Python.")]
public sealed class ManagedQueue<T> : IDisposable, ISharedObject<ManagedQueue<T>>
{
    private readonly ManagerChannel channel;
    private readonly long id;

    internal ManagedQueue(ManagerChannel channel, long id)
    {
        this.channel = channel;
        this.id = id;
    }

    /// <summary>The number of items now (Python's <c>qsize()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count
    {
        get
        {
            lock (channel.Gate)
            {
                channel.Begin(ManagerOp.QueueCount, id);
                return new WireReader(channel.Invoke()).ReadInt32();
            }
        }
    }

    /// <inheritdoc/>
    string ISharedObject<ManagedQueue<T>>.Descriptor => channel.Describe(id);

    /// <summary>Puts an item, waiting for room as long as needed or until <paramref name="timeout"/> (Python's <c>put</c>).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Put(T item, TimeSpan? timeout = null)
    {
        if (!TryPut(item, timeout ?? Timeout.InfiniteTimeSpan))
        {
            throw new TimeoutException($"The managed queue stayed full for {timeout}.");
        }
    }

    /// <summary>Puts an item if there is room within <paramref name="timeout"/> (by default, only if there is room now).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <returns>Whether it was put.</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryPut(T item, TimeSpan timeout = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        lock (channel.Gate)
        {
            WireBuffer args = channel.Begin(ManagerOp.QueuePut, id);
            args.WriteInt64(ms);
            ItemCodec<T>.Write(args, item, nameof(item));
            return new WireReader(channel.Invoke()).ReadBool();
        }
    }

    /// <summary>Takes the next item, waiting as long as needed or until <paramref name="timeout"/> (Python's <c>get</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Get(TimeSpan? timeout = null)
    {
        if (!TryGet(out T? item, timeout ?? Timeout.InfiniteTimeSpan))
        {
            throw new TimeoutException($"The managed queue stayed empty for {timeout}.");
        }

        return item;
    }

    /// <summary>Takes the next item if one comes within <paramref name="timeout"/> (by default, only if one is there now).</summary>
    /// <param name="item">The item, or the default.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether an item was taken.</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryGet([MaybeNullWhen(false)] out T item, TimeSpan timeout = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.QueueGet, id).WriteInt64(ms);
            var reply = new WireReader(channel.Invoke());
            if (reply.ReadBool())
            {
                item = ItemCodec<T>.Read(reply.Rest);
                return true;
            }

            item = default;
            return false;
        }
    }

    /// <summary>Closes this process's connection to the manager; the queue stays in the manager.</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedQueue #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedQueue<T> ISharedObject<ManagedQueue<T>>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return new ManagedQueue<T>(channel, id);
    }
}
