using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;
using Multiprocessing.Shared;

namespace Multiprocessing;

/// <summary>
/// A proxy to a FIFO queue held by a <see cref="Manager"/> that counts unfinished items (Python's
/// <c>manager.JoinableQueue(maxsize)</c>): each <see cref="Put"/> adds one, each <see cref="TaskDone"/> marks one
/// processed, and <see cref="Join"/> waits until every item put has been.
/// </summary>
/// <typeparam name="T">The items' type.</typeparam>
/// <remarks>
/// It works as a <see cref="ManagedQueue{T}"/> does, plus <see cref="TaskDone"/> and <see cref="Join"/>: a consumer calls
/// <see cref="TaskDone"/> once for each item it took, after it has dealt with it. An item whose consumer dies before
/// it calls <see cref="TaskDone"/> stays unfinished, as in Python, so a <see cref="Join"/> without a timeout would
/// wait for ever. Pass the proxy to a child declared as <see cref="ManagedJoinableQueue{T}"/>; it connects to the
/// manager there. A proxy is one connection: a thread waiting on it holds up the proxy's other calls.
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, named as in Python.")]
public sealed class ManagedJoinableQueue<T> : IDisposable, ISharedObject<ManagedJoinableQueue<T>>
{
    private readonly ManagerChannel channel;
    private readonly long id;
    private readonly ManagedQueue<T> queue;

    internal ManagedJoinableQueue(ManagerChannel channel, long id)
    {
        this.channel = channel;
        this.id = id;
        queue = new ManagedQueue<T>(channel, id);
    }

    /// <summary>The number of items now (Python's <c>qsize()</c>); items taken but not yet marked done are not counted.</summary>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public int Count => queue.Count;

    /// <inheritdoc/>
    string ISharedObject<ManagedJoinableQueue<T>>.Descriptor => channel.Describe(id);

    /// <summary>Puts an item, waiting for room as long as needed or until <paramref name="timeout"/> (Python's <c>put</c>); it is unfinished until a <see cref="TaskDone"/>.</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room; null for ever.</param>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Put(T item, TimeSpan? timeout = null) => queue.Put(item, timeout);

    /// <summary>Puts an item if there is room within <paramref name="timeout"/> (by default, only if there is room now).</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <returns>Whether it was put (and so is unfinished until a <see cref="TaskDone"/>).</returns>
    /// <exception cref="ArgumentException">The item cannot be encoded.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryPut(T item, TimeSpan timeout = default) => queue.TryPut(item, timeout);

    /// <summary>Takes the next item, waiting as long as needed or until <paramref name="timeout"/> (Python's <c>get</c>); call <see cref="TaskDone"/> once it is dealt with.</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <returns>The item.</returns>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public T Get(TimeSpan? timeout = null) => queue.Get(timeout);

    /// <summary>Takes the next item if one comes within <paramref name="timeout"/> (by default, only if one is there now).</summary>
    /// <param name="item">The item, or the default.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether an item was taken (then call <see cref="TaskDone"/> once it is dealt with).</returns>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryGet([MaybeNullWhen(false)] out T item, TimeSpan timeout = default) => queue.TryGet(out item, timeout);

    /// <summary>Marks one item taken from the queue as dealt with (Python's <c>task_done()</c>); when none is left unfinished, <see cref="Join"/> returns.</summary>
    /// <exception cref="InvalidOperationException">Every item put is already marked done: called more times than items were put (Python's <c>ValueError</c>).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void TaskDone()
    {
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.QueueTaskDone, id);
            if (!new WireReader(channel.Invoke()).ReadBool())
            {
                throw new InvalidOperationException("TaskDone was called more times than there were items put in the managed queue.");
            }
        }
    }

    /// <summary>Waits until every item ever put has been marked done with <see cref="TaskDone"/> (Python's <c>join()</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <exception cref="TimeoutException">Items were still unfinished after <paramref name="timeout"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Join(TimeSpan? timeout = null)
    {
        if (!TryJoin(timeout ?? Timeout.InfiniteTimeSpan))
        {
            throw new TimeoutException($"Items of the managed queue were still unfinished after {timeout}.");
        }
    }

    /// <summary>Waits at most <paramref name="timeout"/> until every item ever put has been marked done.</summary>
    /// <param name="timeout">How long to wait; zero to only check.</param>
    /// <returns>True if none is unfinished.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryJoin(TimeSpan timeout = default)
    {
        long ms = WaitTimeout.Milliseconds(timeout, nameof(timeout));
        lock (channel.Gate)
        {
            channel.Begin(ManagerOp.QueueJoin, id).WriteInt64(ms);
            return new WireReader(channel.Invoke()).ReadBool();
        }
    }

    /// <summary>Closes this process's connection to the manager; the queue stays in the manager.</summary>
    public void Dispose() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"ManagedJoinableQueue #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    static ManagedJoinableQueue<T> ISharedObject<ManagedJoinableQueue<T>>.Reopen(string descriptor)
    {
        ManagerChannel channel = ManagerChannel.FromDescriptor(descriptor, out long id);
        return new ManagedJoinableQueue<T>(channel, id);
    }
}
