using Multiprocessing.Managers;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>
/// A proxy to an object held by a <see cref="Manager"/> (Python's <c>BaseProxy</c>): every operation is a request on
/// the proxy's own connection to the manager, which does it on the one object every process's proxies share.
/// </summary>
/// <remarks>
/// <para>
/// Pass a proxy to a child process as an argument or a captured variable declared as its own type: it crosses as
/// the manager's address, key and the object's id, and connects to the manager there. A proxy is one connection,
/// safe to use from several threads, whose calls take turns on it: a thread waiting on it (for a lock, an item...)
/// holds up the proxy's other calls, so give each thread that waits its own proxy (pass it, or use a named object).
/// The manager drops the object once no proxy holds it (disposed, collected, or its process ended) and no copy is on
/// its way to another process; a named one stays as long as the manager.
/// </para>
/// <include file='ProxyDocs.xml' path='docs/sliced/*'/>
/// </remarks>
public abstract class ManagedProxy : IDisposable
{
    private protected ManagedProxy(ManagerChannel channel, long id)
    {
        Channel = channel;
        Id = id;
    }

    /// <summary>The object's id in its manager.</summary>
    internal long Id { get; }

    /// <summary>Where its manager listens.</summary>
    internal System.Net.EndPoint ManagerEndPoint => Channel.Address;

    /// <summary>This proxy's connection to the manager.</summary>
    private protected ManagerChannel Channel { get; }

    /// <summary>Closes this proxy's connection to the manager, which then drops the object if nothing else holds it (another proxy, a copy on its way to another process, or its name); a lock held through this proxy is released there.</summary>
    public void Dispose()
    {
        Channel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The proxy, for messages.</summary>
    /// <returns>A short description: the proxy's type, the object's id and the manager's address.</returns>
    public override string ToString()
    {
        string type = GetType().Name;
        int arity = type.IndexOf('`', StringComparison.Ordinal);
        return $"{(arity < 0 ? type : type[..arity])} #{Id} at {Client.Describe(Channel.Address)}";
    }

    /// <summary>What this proxy crosses to another process as (see <see cref="ManagerChannel.Describe"/>).</summary>
    internal string Describe() => Channel.Describe(Id);

    /// <exception cref="ObjectDisposedException">This proxy is disposed.</exception>
    private protected void ThrowIfDisposed() => Channel.ThrowIfDisposed(this);

    /// <summary>A request without arguments whose reply is empty.</summary>
    private protected void Call(ManagerOp op) => Channel.Call<byte, bool>(op, Id, 0, null, static (_, _) => true);

    /// <summary>A request without arguments whose reply <paramref name="read"/> reads.</summary>
    private protected TResult Call<TResult>(ManagerOp op, Func<WireReader, TResult> read) =>
        Channel.Call(op, Id, read, null, static (reply, read) => read(reply));

    /// <summary>A request whose arguments <paramref name="write"/> writes from <paramref name="args"/>, and whose reply is empty.</summary>
    private protected void Call<TArgs>(ManagerOp op, TArgs args, Action<WireBuffer, TArgs> write)
        where TArgs : allows ref struct =>
        Channel.Call(op, Id, args, write, static (_, _) => true);

    /// <summary>A request whose arguments <paramref name="write"/> writes from <paramref name="args"/>, and whose reply <paramref name="read"/> reads.</summary>
    private protected TResult Call<TArgs, TResult>(ManagerOp op, TArgs args, Action<WireBuffer, TArgs> write, Func<WireReader, TArgs, TResult> read)
        where TArgs : allows ref struct =>
        Channel.Call(op, Id, args, write, read);

    /// <summary>A blocking call's wait (see <see cref="ManagerChannel.Wait{TMode, T}"/>), for at most <paramref name="timeout"/> (null: for ever).</summary>
    /// <returns>The last reply's result: the success, or the failure once the time ran out.</returns>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    private protected T Wait<T>(ManagerOp op, TimeSpan? timeout, Action<WireBuffer, long> write, ReplyParser<T> parse, CancellationToken cancellationToken) =>
        Blocking.Wait(Channel.Wait<Blocking, T>(op, Id, Milliseconds(timeout), write, parse, cancellationToken)).Result;

    /// <summary>The asynchronous twin of <see cref="Wait{T}"/>.</summary>
    /// <returns>The last reply's result: the success, or the failure once the time ran out.</returns>
    /// <inheritdoc cref="Wait{T}"/>
    private protected async ValueTask<T> WaitAsync<T>(ManagerOp op, TimeSpan? timeout, Action<WireBuffer, long> write, ReplyParser<T> parse, CancellationToken cancellationToken) =>
        (await Channel.Wait<Awaiting, T>(op, Id, Milliseconds(timeout), write, parse, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>
    /// <see cref="Wait{T}"/> that must succeed: a wait whose time ran out throws, with a message that is
    /// <paramref name="notInTime"/> then the timeout ("The managed lock was not free within" 00:00:01).
    /// </summary>
    /// <returns>The success's result.</returns>
    /// <exception cref="TimeoutException">The time ran out.</exception>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    private protected T WaitOrThrow<T>(ManagerOp op, TimeSpan? timeout, Action<WireBuffer, long> write, ReplyParser<T> parse, string notInTime, CancellationToken cancellationToken) =>
        InTime(Blocking.Wait(Channel.Wait<Blocking, T>(op, Id, Milliseconds(timeout), write, parse, cancellationToken)), notInTime, timeout);

    /// <summary>The asynchronous twin of <see cref="WaitOrThrow{T}"/> (<paramref name="notInTime"/> as there).</summary>
    /// <returns>The success's result.</returns>
    /// <inheritdoc cref="WaitOrThrow{T}"/>
    private protected async ValueTask<T> WaitOrThrowAsync<T>(ManagerOp op, TimeSpan? timeout, Action<WireBuffer, long> write, ReplyParser<T> parse, string notInTime, CancellationToken cancellationToken) =>
        InTime(await Channel.Wait<Awaiting, T>(op, Id, Milliseconds(timeout), write, parse, cancellationToken).ConfigureAwait(false), notInTime, timeout);

    /// <summary>A wait's timeout as a request carries it (-1: for ever).</summary>
    /// <include file='ProxyDocs.xml' path='docs/wait/exception[@cref="ArgumentOutOfRangeException"]'/>
    private protected static long Milliseconds(TimeSpan? timeout) => WaitTimeout.Milliseconds(timeout ?? Timeout.InfiniteTimeSpan, nameof(timeout));

    /// <summary>The result of a wait that succeeded; a <see cref="TimeoutException"/> if its time ran out.</summary>
    private static T InTime<T>((bool Done, T Result) outcome, string notInTime, TimeSpan? timeout) =>
        outcome.Done ? outcome.Result : throw new TimeoutException($"{notInTime} {timeout}.");
}
