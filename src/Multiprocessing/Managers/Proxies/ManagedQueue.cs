using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;
using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>A proxy to a FIFO queue held by a <see cref="Manager"/> (Python's <c>manager.Queue(maxsize)</c>).</summary>
/// <typeparam name="T">The items' type.</typeparam>
/// <remarks>
/// <para>
/// Any number of producers and consumers in any processes; the waits happen in the manager. Pass it to a child
/// declared as <see cref="ManagedQueue{T}"/>. A proxy is one connection: a thread waiting on it holds up the
/// proxy's other calls. For a queue without a server process, see <see cref="SharedQueue{T}"/>.
/// </para>
/// <para>
/// Every blocking call has an async twin (<c>...Async</c>) that holds no thread while the manager waits, and takes a
/// <see cref="CancellationToken"/>, as the blocking forms do. With a token that can be cancelled, the wait is made of
/// requests of at most 100 ms, the token checked between them: a cancellation is seen within 100 ms and throws
/// <see cref="OperationCanceledException"/>, and what the request in flight obtained when the token fired is returned,
/// not lost (the result wins over a late cancellation). Between those requests the proxy's other calls go through;
/// a wait without such a token holds up the proxy's other calls, blocking or async, until it ends.
/// </para>
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
    public int Count => Sizes().Count;

    /// <summary>The items now and the maximum size (0: none), in one request.</summary>
    private (int Count, int MaxSize) Sizes()
    {
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.QueueCount, id);
            var reader = new WireReader(channel.Invoke());
            int count = reader.ReadInt32();
            return (count, reader.ReadInt32());
        }
    }

    /// <summary>Whether the queue is empty now (Python's <c>empty()</c>): a snapshot, as <see cref="Count"/> is.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsEmpty => Sizes().Count == 0;

    /// <summary>Whether the queue holds its maximum size now (Python's <c>full()</c>); never for a queue made without one.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsFull => Sizes() is { MaxSize: > 0 } s && s.Count >= s.MaxSize;

    /// <inheritdoc/>
    string ISharedObject<ManagedQueue<T>>.Descriptor => channel.Describe(id);

    /// <summary>Puts an item, waiting for room as long as needed or until <paramref name="timeout"/> (Python's <c>put</c>).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the item was put (it was not).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Put(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!TryPut(item, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken))
        {
            throw new TimeoutException($"The managed queue stayed full for {timeout}.");
        }
    }

    /// <summary>Puts an item if there is room within <paramref name="timeout"/> (by default, only if there is room now).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>Whether it was put.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the item was put (it was not).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryPut(T item, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        return channel.Wait(ManagerOp.QueuePut, id, ms, PutWriter(item), ManagerChannel.ParseBool, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="Put"/>: no thread waits while the manager does.</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>A task that completes once the item is put.</returns>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the item was put (it was not).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));
        if (!await channel.WaitAsync(ManagerOp.QueuePut, id, ms, PutWriter(item), ManagerChannel.ParseBool, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"The managed queue stayed full for {timeout}.");
        }
    }

    /// <summary>Takes the next item, waiting as long as needed or until <paramref name="timeout"/> (Python's <c>get</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken (none was).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Get(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!TryGet(out T? item, timeout ?? Timeout.InfiniteTimeSpan, cancellationToken))
        {
            throw new TimeoutException($"The managed queue stayed empty for {timeout}.");
        }

        return item;
    }

    /// <summary>Takes the next item if one comes within <paramref name="timeout"/> (by default, only if one is there now).</summary>
    /// <param name="item">The item, or the default.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>Whether an item was taken.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken (none was).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryGet([MaybeNullWhen(false)] out T item, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        (bool taken, T? got) = channel.Wait<(bool Taken, T? Item)>(ManagerOp.QueueGet, id, ms, ManagerChannel.WriteMilliseconds, ParseGet, cancellationToken);
        item = got;
        return taken;
    }

    /// <summary>The asynchronous twin of <see cref="Get"/>: no thread waits while the manager does.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait; seen within 100 ms (the manager then waits in slices of that length; a slice that succeeds as the token fires still counts).</param>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken (none was).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public async ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));
        (bool taken, T? item) = await channel.WaitAsync<(bool Taken, T? Item)>(ManagerOp.QueueGet, id, ms, ManagerChannel.WriteMilliseconds, ParseGet, cancellationToken).ConfigureAwait(false);
        return taken ? item! : throw new TimeoutException($"The managed queue stayed empty for {timeout}.");
    }

    /// <summary>Closes this proxy's connection to the manager, which then drops the queue if nothing else holds it (another proxy, a copy on its way to another process, or its name).</summary>
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

    private static bool ParseGet(WireReader reply, out (bool Taken, T? Item) result)
    {
        bool taken = reply.ReadBool();
        result = (taken, taken ? ItemCodec<T>.Read(reply.Rest) : default);
        return taken;
    }

    private static Action<WireBuffer, long> PutWriter(T item) => (args, ms) =>
    {
        args.WriteInt64(ms);
        ItemCodec<T>.Write(args, item, nameof(item));
    };
}
