using System.Diagnostics.CodeAnalysis;
using Multiprocessing.Managers;

namespace Multiprocessing;

/// <summary>
/// A proxy to a FIFO queue held by a <see cref="Manager"/> that counts unfinished items (Python's
/// <c>manager.JoinableQueue(maxsize)</c>): each <see cref="Put"/> adds one, each <see cref="TaskDone"/> marks one
/// processed, and <see cref="Join"/> waits until every item put has been.
/// </summary>
/// <typeparam name="T">The items' type.</typeparam>
/// <remarks>
/// <para>
/// It works as a <see cref="ManagedQueue{T}"/> does, plus <see cref="TaskDone"/> and <see cref="Join"/>: a consumer calls
/// <see cref="TaskDone"/> once for each item it took, after it has dealt with it. An item whose consumer dies before
/// it calls <see cref="TaskDone"/> stays unfinished, as in Python, so a <see cref="Join"/> without a timeout would
/// wait for ever. Pass the proxy to a child declared as <see cref="ManagedJoinableQueue{T}"/>; it connects to the
/// manager there. A proxy is one connection: a thread waiting on it holds up the proxy's other calls.
/// </para>
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, named as in Python.")]
public sealed class ManagedJoinableQueue<T> : ManagedProxy, IManagedObject<ManagedJoinableQueue<T>>
{
    private readonly ManagedQueue<T> queue;

    internal ManagedJoinableQueue(ManagerChannel channel, long id)
        : base(channel, id)
    {
        queue = new ManagedQueue<T>(channel, id);
    }

    /// <summary>The number of items now (Python's <c>qsize()</c>); items taken but not yet marked done are not counted.</summary>
    /// <inheritdoc cref="ManagedQueue{T}.Count"/>
    public int Count => queue.Count;

    /// <summary>Whether the queue is empty now (Python's <c>empty()</c>).</summary>
    /// <inheritdoc cref="ManagedQueue{T}.IsEmpty"/>
    public bool IsEmpty => queue.IsEmpty;

    /// <summary>Whether the queue holds its maximum size now (Python's <c>full()</c>); never for a queue made without one.</summary>
    /// <inheritdoc cref="ManagedQueue{T}.IsFull"/>
    public bool IsFull => queue.IsFull;

    /// <summary>How many joins (of any proxy) wait in the manager now: for tests that must know their joiners are in.</summary>
    internal int JoiningCount => Call(ManagerOp.QueueJoining, static reply => reply.ReadInt32());

    /// <summary>Puts an item, waiting for room as long as needed or until <paramref name="timeout"/> (Python's <c>put</c>); it is unfinished until a <see cref="TaskDone"/>.</summary>
    /// <inheritdoc cref="ManagedQueue{T}.Put"/>
    public void Put(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default) => queue.Put(item, timeout, cancellationToken);

    /// <summary>Puts an item if there is room within <paramref name="timeout"/> (by default, only if there is room now).</summary>
    /// <returns>Whether it was put (and so is unfinished until a <see cref="TaskDone"/>).</returns>
    /// <inheritdoc cref="ManagedQueue{T}.TryPut"/>
    public bool TryPut(T item, TimeSpan timeout = default, CancellationToken cancellationToken = default) => queue.TryPut(item, timeout, cancellationToken);

    /// <summary>Takes the next item, waiting as long as needed or until <paramref name="timeout"/> (Python's <c>get</c>); call <see cref="TaskDone"/> once it is dealt with.</summary>
    /// <returns>The item.</returns>
    /// <inheritdoc cref="ManagedQueue{T}.Get"/>
    public T Get(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => queue.Get(timeout, cancellationToken);

    /// <summary>Takes the next item if one comes within <paramref name="timeout"/> (by default, only if one is there now).</summary>
    /// <returns>Whether an item was taken (then call <see cref="TaskDone"/> once it is dealt with).</returns>
    /// <inheritdoc cref="ManagedQueue{T}.TryGet"/>
    public bool TryGet([MaybeNullWhen(false)] out T item, TimeSpan timeout = default, CancellationToken cancellationToken = default) => queue.TryGet(out item, timeout, cancellationToken);

    /// <summary>The asynchronous twin of <see cref="Put"/>: no thread waits while the manager does.</summary>
    /// <returns>A task that completes once the item is put (it is unfinished until a <see cref="TaskDone"/>).</returns>
    /// <inheritdoc cref="Put"/>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default) => queue.PutAsync(item, timeout, cancellationToken);

    /// <summary>The asynchronous twin of <see cref="Get"/>; call <see cref="TaskDone"/> once the item is dealt with.</summary>
    /// <returns>The item.</returns>
    /// <inheritdoc cref="Get"/>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => queue.GetAsync(timeout, cancellationToken);

    /// <summary>Marks one item taken from the queue as dealt with (Python's <c>task_done()</c>); when none is left unfinished, <see cref="Join"/> returns.</summary>
    /// <exception cref="InvalidOperationException">Every item put is already marked done: called more times than items were put (Python's <c>ValueError</c>).</exception>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void TaskDone()
    {
        if (!Call(ManagerOp.QueueTaskDone, static reply => reply.ReadBool()))
        {
            throw new InvalidOperationException("TaskDone was called more times than there were items put in the managed queue.");
        }
    }

    /// <summary>Waits until every item ever put has been marked done with <see cref="TaskDone"/> (Python's <c>join()</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <exception cref="TimeoutException">Items were still unfinished after <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public void Join(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var join = new WaitSince();
        _ = WaitOrThrow<bool>(ManagerOp.QueueJoin, timeout, join.Write, join.Parse, Unfinished, cancellationToken);
    }

    /// <summary>Waits at most <paramref name="timeout"/> until every item ever put has been marked done.</summary>
    /// <param name="timeout">How long to wait; zero to only check.</param>
    /// <include file='ProxyDocs.xml' path='docs/wait/param[@name="cancellationToken"]'/>
    /// <returns>True if none is unfinished.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    /// <exception cref="ManagerUnavailableException">The manager is gone.</exception>
    public bool TryJoin(TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        var join = new WaitSince();
        return Wait<bool>(ManagerOp.QueueJoin, timeout, join.Write, join.Parse, cancellationToken);
    }

    /// <summary>The asynchronous twin of <see cref="Join"/>: no thread waits while the manager does.</summary>
    /// <returns>A task that completes once no item is unfinished.</returns>
    /// <inheritdoc cref="Join"/>
    public async ValueTask JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var join = new WaitSince();
        _ = await WaitOrThrowAsync<bool>(ManagerOp.QueueJoin, timeout, join.Write, join.Parse, Unfinished, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    static ManagedJoinableQueue<T> IManagedObject<ManagedJoinableQueue<T>>.Make(ManagerChannel channel, long id) => new(channel, id);

    private const string Unfinished = "Items of the managed queue were still unfinished after";
}
