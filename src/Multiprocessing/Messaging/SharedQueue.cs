namespace Multiprocessing;

/// <summary>Creates and opens <see cref="SharedQueue{T}"/>s (Python's <c>Queue()</c>, <c>SimpleQueue()</c>, <c>JoinableQueue()</c>).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, named as in Python.")]
public static class SharedQueue
{
    /// <summary>
    /// Takes the next item and copies its bytes into <paramref name="destination"/> instead of a new array (as
    /// <c>Connection.recv_bytes_into</c> does for Python's pipes): a consumer of large messages that reuses its
    /// buffer allocates nothing per item.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <param name="destination">Where the item's bytes go.</param>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The item's length, or -1 if the item was a null array.</returns>
    /// <exception cref="BufferTooShortException">The item is longer than <paramref name="destination"/>; it is consumed and carried by the exception's <see cref="BufferTooShortException.Received"/>.</exception>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed and the queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down and is empty, or was shut down immediately.</exception>
    /// <exception cref="InvalidDataException">The item is not a byte array (it is consumed).</exception>
    public static int GetInto(this SharedQueue<byte[]> queue, Span<byte> destination, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.GetBytesInto(destination, timeout, cancellationToken);
    }

    /// <summary>Takes the next item into <paramref name="destination"/>, waiting asynchronously (see <see cref="GetInto"/>).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="destination">Where the item's bytes go.</param>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The item's length, or -1 if the item was a null array.</returns>
    /// <exception cref="BufferTooShortException">The item is longer than <paramref name="destination"/>; it is consumed and carried by the exception's <see cref="BufferTooShortException.Received"/>.</exception>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed and the queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down and is empty, or was shut down immediately.</exception>
    /// <exception cref="InvalidDataException">The item is not a byte array (it is consumed).</exception>
    public static ValueTask<int> GetIntoAsync(this SharedQueue<byte[]> queue, Memory<byte> destination, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.GetBytesIntoAsync(destination, timeout, cancellationToken);
    }

    /// <summary>
    /// Takes the next item into an array rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>, which goes back
    /// to the pool when the lease is disposed: a consumer of large messages that handles one item at a time gets a
    /// buffer of its own per item without a new array each time (a new array of a megabyte costs more than the
    /// copy into it: page faults, and a gen-2 collection every few of them). Use <see cref="GetInto"/> when you have
    /// a buffer of the largest item's size, <c>Get</c> when the array must outlive the code that takes it.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>
    /// The lease, whose <see cref="System.Buffers.IMemoryOwner{T}.Memory"/> is the item's bytes, exactly its length; null if the item
    /// was a null array. Dispose it once done; do not use its memory afterwards (the array may already hold another
    /// item); its <c>Memory</c> throws <see cref="ObjectDisposedException"/> once it is disposed.
    /// </returns>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed and the queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down and is empty, or was shut down immediately.</exception>
    /// <exception cref="InvalidDataException">The item is not a byte array (it is consumed).</exception>
    public static System.Buffers.IMemoryOwner<byte>? GetLease(this SharedQueue<byte[]> queue, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.GetBytesLease(timeout, cancellationToken);
    }

    /// <summary>Takes the next item into a pooled array, waiting asynchronously (see <see cref="GetLease"/>).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The lease (dispose it once done), or null if the item was a null array.</returns>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed and the queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue was shut down and is empty, or was shut down immediately.</exception>
    /// <exception cref="InvalidDataException">The item is not a byte array (it is consumed).</exception>
    public static async ValueTask<System.Buffers.IMemoryOwner<byte>?> GetLeaseAsync(this SharedQueue<byte[]> queue, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return await queue.GetBytesLeaseAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The default bytes of shared buffer of a queue.</summary>
    public const long DefaultCapacity = 4 * 1024 * 1024;

    /// <summary>Creates a queue.</summary>
    /// <typeparam name="T">The items' type.</typeparam>
    /// <param name="maxSize">The most items it holds (Python's <c>maxsize</c>), a hard bound: puts wait for an item to be taken; 0 for none (with <paramref name="overflow"/> false, the bytes of <paramref name="capacity"/> still bound it).</param>
    /// <param name="capacity">Bytes of the shared ring (rounded up to a power of two), the fast path of items. Items larger than half of it pass in parts. The memory is used only as items fill it. With <paramref name="overflow"/> it is not a bound; without, puts wait when it is full.</param>
    /// <param name="joinable">True for Python's <c>JoinableQueue</c>: <see cref="SharedQueue{T}.TaskDone"/> and <see cref="SharedQueue{T}.Join"/>.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <param name="overflow">True (the default, as Python's <c>Queue()</c> is unbounded): a put that finds the ring full while no consumer is taking items (for about 20 ms), or whose timeout passed, writes the item to an overflow file in /dev/shm instead of waiting, so that items of any total size can be put before anyone reads them (a child can put them all and be joined first). An overflowed item is read from its file, whole, in its turn. If the file cannot be written (/dev/shm full), the put throws an <see cref="IOException"/> and nothing is queued. False: <paramref name="capacity"/> is a hard bound, and a put waits for room.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, or the capacity is zero or above 16 GiB.</exception>
    public static SharedQueue<T> Create<T>(int maxSize = 0, long capacity = DefaultCapacity, bool joinable = false, string? name = null, bool overflow = true) =>
        SharedQueue<T>.Create(new SharedQueueOptions { MaxSize = maxSize, Capacity = capacity, Joinable = joinable, Name = name, Overflow = overflow });

    /// <summary>Creates a queue as <paramref name="options"/> say (as <c>Channel.CreateBounded(BoundedChannelOptions)</c> does).</summary>
    /// <typeparam name="T">The items' type.</typeparam>
    /// <param name="options">Its size bounds, capacity, joinability, name and overflow (see <see cref="SharedQueueOptions"/>).</param>
    /// <returns>The queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public static SharedQueue<T> Create<T>(SharedQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SharedQueue<T>.Create(options);
    }

    /// <summary>Opens a queue created by this or another process.</summary>
    /// <typeparam name="T">The items' type, as created.</typeparam>
    /// <param name="name">Its name.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="FileNotFoundException">No such queue.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object.</exception>
    public static SharedQueue<T> Open<T>(string name) => SharedQueue<T>.Open(name);
}
