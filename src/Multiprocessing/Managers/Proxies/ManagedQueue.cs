using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>A proxy to a FIFO queue held by a <see cref="Manager"/> (Python's <c>manager.Queue(maxsize)</c>).</summary>
/// <typeparam name="T">The items' type.</typeparam>
/// <remarks>
/// <para>
/// Any number of producers and consumers in any processes; the waits happen in the manager. Pass it to a child
/// declared as <see cref="ManagedQueue{T}"/>. A proxy is one connection: a thread waiting on it holds up the
/// proxy's other calls. For a queue without a server process, see <see cref="SharedQueue{T}"/>.
/// </para>
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, named as in Python.")]
public sealed class ManagedQueue<T> : ManagedProxy, IManagedObject<ManagedQueue<T>>
{
    internal ManagedQueue(ManagerChannel channel, long id)
        : base(channel, id)
    {
    }

    /// <summary>The number of items now (Python's <c>qsize()</c>).</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count => Sizes().Count;

    /// <summary>The items now and the maximum size (0: none), in one request.</summary>
    private (int Count, int MaxSize) Sizes() => Call(ManagerOp.QueueCount, static reply =>
    {
        int count = reply.ReadInt32();
        return (count, reply.ReadInt32());
    });

    /// <summary>Whether the queue is empty now (Python's <c>empty()</c>): a snapshot, as <see cref="Count"/> is.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsEmpty => Sizes().Count == 0;

    /// <summary>Whether the queue holds its maximum size now (Python's <c>full()</c>); never for a queue made without one.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool IsFull => Sizes() is { MaxSize: > 0 } s && s.Count >= s.MaxSize;

    /// <summary>Puts an item, waiting for room as long as needed or until <paramref name="timeout"/> (Python's <c>put</c>).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the item was put (it was not).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Put(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitOrThrow(ManagerOp.QueuePut, timeout, PutWriter(item), ManagerChannel.ParseBool, StayedFull, cancellationToken);

    /// <summary>Puts an item if there is room within <paramref name="timeout"/> (by default, only if there is room now).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>Whether it was put.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the item was put (it was not).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryPut(T item, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Wait(ManagerOp.QueuePut, timeout, PutWriter(item), ManagerChannel.ParseBool, cancellationToken);

    /// <summary>The asynchronous twin of <see cref="Put"/>: no thread waits while the manager does.</summary>
    /// <returns>A task that completes once the item is put.</returns>
    /// <inheritdoc cref="Put"/>
    public async ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await WaitOrThrowAsync(ManagerOp.QueuePut, timeout, PutWriter(item), ManagerChannel.ParseBool, StayedFull, cancellationToken).ConfigureAwait(false);

    /// <summary>Takes the next item, waiting as long as needed or until <paramref name="timeout"/> (Python's <c>get</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken (none was).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Get(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitOrThrow<(bool Taken, T? Item)>(ManagerOp.QueueGet, timeout, ManagerChannel.WriteMilliseconds, ParseGet, StayedEmpty, cancellationToken).Item!;

    /// <summary>Takes the next item if one comes within <paramref name="timeout"/> (by default, only if one is there now).</summary>
    /// <param name="item">The item, or the default.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>Whether an item was taken.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken (none was).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryGet([MaybeNullWhen(false)] out T item, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        (bool taken, T? got) = Wait<(bool Taken, T? Item)>(ManagerOp.QueueGet, timeout, ManagerChannel.WriteMilliseconds, ParseGet, cancellationToken);
        item = got;
        return taken;
    }

    /// <summary>The asynchronous twin of <see cref="Get"/>: no thread waits while the manager does.</summary>
    /// <returns>The item.</returns>
    /// <inheritdoc cref="Get"/>
    public async ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await WaitOrThrowAsync<(bool Taken, T? Item)>(ManagerOp.QueueGet, timeout, ManagerChannel.WriteMilliseconds, ParseGet, StayedEmpty, cancellationToken).ConfigureAwait(false)).Item!;

    /// <inheritdoc/>
    static ManagedQueue<T> IManagedObject<ManagedQueue<T>>.Make(ManagerChannel channel, long id) => new(channel, id);

    private const string StayedFull = "The managed queue stayed full for";

    private const string StayedEmpty = "The managed queue stayed empty for";

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
