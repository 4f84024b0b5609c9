using System.Collections.Concurrent;
using System.Net.Sockets;
using Multiprocessing.Codec;
using Multiprocessing.Connections;

namespace Multiprocessing.Managers;

/// <summary>
/// The manager's server loop: takes authenticated clients from a <see cref="Listener"/> (whose background acceptor
/// runs the handshakes, without a thread each), serves each with an asynchronous loop (one request at a time), and
/// holds the managed objects by id. No connection holds a thread while it waits, for its next request or in a wait
/// on an object (a queue's get, a lock's acquire: see <see cref="SessionWait"/>), so the manager's threads stay
/// bounded whatever the number of clients; only a user's own object (<see cref="CustomObject"/>) whose method
/// blocks holds a thread-pool thread while it does.
/// </summary>
/// <remarks>
/// An object lives while something holds a reference to it, as in Python's managers (<c>incref</c>/<c>decref</c>):
/// each connection that created it (<see cref="ManagerOp.Create"/>) or took it (<see cref="ManagerOp.Attach"/>) holds
/// one until it closes, which a proxy's connection does when the proxy is disposed or collected or its process dies;
/// a proxy on its way to another process holds one through a pin (<see cref="ManagerOp.Pin"/>) until the receiver's
/// connection takes it over, so the sender may drop its own at once; a condition holds its lock; a name holds its
/// object for as long as the manager runs. When the last reference goes, the object is dropped (and released, see
/// <see cref="IReleasable"/>). A request waits on an object only through a connection that holds it (a condition's
/// lock, through the condition that holds the lock), and a connection gives its references back only after its
/// serving loop has ended, its last request included: so no request can still wait on an object when it is dropped,
/// and <see cref="IReleasable.Release"/> waking waiters with an error is a guard, not a path.
/// </remarks>
internal sealed class ManagerServer : IDisposable
{
    private readonly Listener listener;
    private readonly ConcurrentDictionary<long, IManagedObject> objects = new();
    private readonly Dictionary<string, (ManagedKind Kind, long Id)> names = new(StringComparer.Ordinal);
    private readonly ManagerRegistry registry;

    /// <summary>Guards <see cref="counts"/>, <see cref="named"/>, <see cref="pins"/>, <see cref="dependsOn"/> and every session's <see cref="ManagerSession.References"/>.</summary>
    private readonly Lock references = new();

    /// <summary>The references to each object held: by connections, pins and the conditions that use it as their lock.</summary>
    private readonly Dictionary<long, int> counts = [];

    /// <summary>The objects made by name, which stay while the manager runs.</summary>
    private readonly HashSet<long> named = [];

    /// <summary>The pins not yet taken over, by token: the object each holds a reference to.</summary>
    private readonly Dictionary<long, long> pins = [];

    /// <summary>The lock each condition that was given one holds a reference to.</summary>
    private readonly Dictionary<long, long> dependsOn = [];
    private long lastId;
    private long lastToken;
    private int serving;

    /// <summary>The connections moved to a shared-memory pipe (<see cref="ManagerOp.UseSharedMemoryPipe"/>), at most <see cref="MaxPipes"/>.</summary>
    private int pipes;

    /// <summary>Requests being served now (for <see cref="ManagerOp.Diagnostics"/>: a test knows its client waits in the manager).</summary>
    private int inProgress;

    /// <summary>
    /// How many connections may move to a shared-memory pipe; the others stay on their socket. A pipe costs the
    /// manager two rings of shared memory and a futex word that an async futex thread watches (one thread per 127
    /// words); a socket costs neither, and the first connections (the busiest, usually) gain the most from a pipe.
    /// </summary>
    internal const int MaxPipes = 96;

    public ManagerServer(Listener listener, ManagerRegistry? registry = null)
    {
        this.listener = listener;
        this.registry = registry ?? ManagerRegistry.Empty;
    }

    /// <summary>Accepts clients until <see cref="Dispose"/>.</summary>
    public void Run()
    {
        while (true)
        {
            SocketConnection connection;
            try
            {
                connection = listener.AcceptAuthenticated();
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(connection)); // not on this thread: a request served at once would hold up the next accept
        }
    }

    /// <summary>Stops accepting; clients already connected are served until the process ends.</summary>
    public void Dispose() => listener.Dispose();

    private async Task ServeAsync(SocketConnection connection)
    {
        using (connection)
        {
            var reply = new WireBuffer();
            Connection current = connection;
            PipeConnection? pipe = null;
            var session = new ManagerSession(connection.PeerClosed);
            Interlocked.Increment(ref serving);
            try
            {
                while (true)
                {
                    ReadOnlyMemory<byte> frame;
                    try
                    {
                        frame = await current.ReceiveFrameAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
                    {
                        return; // the client closed, died or broke the protocol: this connection only
                    }

                    PipeConnection? upgrade = await ServeOneAsync(frame, pipe, reply, session).ConfigureAwait(false);
                    try
                    {
                        await current.SendBytesAsync(reply.WrittenMemory).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                    {
                        if (upgrade is not null)
                        {
                            upgrade.Dispose();
                            Interlocked.Decrement(ref pipes);
                        }

                        return;
                    }

                    if (upgrade is not null)
                    {
                        pipe = upgrade;
                        current = upgrade;
                    }
                }
            }
            finally
            {
                session.End();
                ReleaseAll(session);
                Interlocked.Decrement(ref serving);
                if (pipe is not null)
                {
                    pipe.Dispose();
                    Interlocked.Decrement(ref pipes);
                }
            }
        }
    }

    /// <summary>
    /// Serves one request (<paramref name="frame"/>, in the connection's buffer, valid until its next receive) and
    /// writes its reply, or the error it threw, to <paramref name="reply"/>; returns the pipe the connection moves to
    /// once the reply is sent, if the request asked for one.
    /// </summary>
    private async ValueTask<PipeConnection?> ServeOneAsync(ReadOnlyMemory<byte> frame, PipeConnection? pipe, WireBuffer reply, ManagerSession session)
    {
        reply.Reset();
        reply.WriteByte(0);
        try
        {
            ReadOnlySpan<byte> request = frame.Span;
            if (request.Length > 9 && request[0] == (byte)ManagerOp.UseSharedMemoryPipe && pipe is null)
            {
                return OpenPipe(System.Text.Encoding.UTF8.GetString(request[9..]));
            }

            Interlocked.Increment(ref inProgress);
            try
            {
                await Dispatch(frame.Span, reply, session).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref inProgress);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            reply.Reset();
            reply.WriteByte(1);
            WireCodec.Serialize(reply, (CurrentProcess.Name, CurrentProcess.Id, RemoteExceptionInfo.From(e)));
        }

        return null;
    }

    /// <summary>Opens the manager's end of a client's shared-memory pipe, if fewer than <see cref="MaxPipes"/> are open (counted in <see cref="pipes"/> until the connection ends).</summary>
    /// <exception cref="InvalidOperationException">As many are open already: the client stays on its socket.</exception>
    private PipeConnection OpenPipe(string descriptor)
    {
        if (Interlocked.Increment(ref pipes) > MaxPipes)
        {
            Interlocked.Decrement(ref pipes);
            throw new InvalidOperationException($"This manager serves {MaxPipes} connections over shared memory already: this one stays on its socket.");
        }

        try
        {
            return Reopen<PipeConnection>(descriptor);
        }
        catch
        {
            Interlocked.Decrement(ref pipes);
            throw;
        }
    }

    /// <summary>Makes an object, held by <paramref name="session"/> (and by its name, if it has one); returns its id.</summary>
    private long Add(ManagedKind kind, ReadOnlySpan<byte> initial, ManagerSession session, bool isNamed)
    {
        long lockId = 0;
        IManagedObject created = kind switch
        {
            ManagedKind.Dictionary or ManagedKind.Namespace or ManagedKind.Set => new EncodedDictionary(),
            ManagedKind.List => new EncodedList(),
            ManagedKind.Value => new EncodedValue(initial.ToArray()),
            ManagedKind.Lock => new EncodedLock(reentrant: false),
            ManagedKind.RLock => new EncodedLock(reentrant: true),
            ManagedKind.Event => new EncodedEvent(),
            ManagedKind.Semaphore => new EncodedSemaphore(initial),
            ManagedKind.Queue => new EncodedQueue(initial),
            ManagedKind.Condition => new EncodedCondition(LockFor(initial, out lockId)),
            ManagedKind.Barrier => new EncodedBarrier(initial),
            ManagedKind.Array => new EncodedArray(initial),
            ManagedKind.JoinableQueue => new EncodedQueue(initial),
            ManagedKind.Custom => registry.Create(initial),
            _ => throw new InvalidOperationException($"This manager cannot create objects of kind {kind}."),
        };
        long newId = Interlocked.Increment(ref lastId);
        lock (references)
        {
            if (lockId != 0)
            {
                // The condition holds its lock: the lock lives as long as the condition does.
                if (!counts.TryGetValue(lockId, out int lockCount))
                {
                    throw Gone(lockId);
                }

                counts[lockId] = lockCount + 1;
                dependsOn.Add(newId, lockId);
            }

            objects[newId] = created;
            counts.Add(newId, 0);
            if (isNamed)
            {
                named.Add(newId);
            }

            TakeLocked(newId, session);
        }

        return newId;
    }

    /// <summary>The lock whose id (int64) <paramref name="initial"/> holds, or a new re-entrant one for 0 (a condition's lock).</summary>
    /// <exception cref="InvalidOperationException">The id is not a lock's.</exception>
    private EncodedLock LockFor(ReadOnlySpan<byte> initial, out long lockId)
    {
        lockId = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(initial);
        if (lockId == 0)
        {
            return new EncodedLock(reentrant: true);
        }

        return objects.TryGetValue(lockId, out IManagedObject? found) && found is EncodedLock lk
            ? lk
            : throw new InvalidOperationException($"This manager holds no lock with id {lockId}.");
    }

    /// <summary>The id of the object named <paramref name="name"/>, created on first use; <paramref name="session"/> takes a reference to it.</summary>
    /// <exception cref="InvalidOperationException">The name belongs to an object of another kind.</exception>
    private long AddOrFind(ManagedKind kind, string name, ReadOnlySpan<byte> initial, ManagerSession session)
    {
        lock (names)
        {
            if (names.TryGetValue(name, out (ManagedKind Kind, long Id) found))
            {
                if (found.Kind == ManagedKind.Custom && kind == ManagedKind.Custom)
                {
                    ManagerRegistry.CheckSame(objects[found.Id], initial, name);
                }

                if (found.Kind != kind)
                {
                    throw new InvalidOperationException($"The name '{name}' belongs to a {found.Kind} in this manager, not a {kind}.");
                }

                lock (references)
                {
                    TakeLocked(found.Id, session); // a named object is never dropped
                }

                return found.Id;
            }

            long id = Add(kind, initial, session, isNamed: true);
            names.Add(name, (kind, id));
            return id;
        }
    }

    /// <summary>
    /// <paramref name="session"/> takes a reference to object <paramref name="id"/>: the one pin
    /// <paramref name="token"/> held (0: none), or a new one if the object is still held.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The object is gone.</exception>
    private void Attach(long id, long token, ManagerSession session)
    {
        lock (references)
        {
            if (token != 0 && pins.TryGetValue(token, out long pinned) && pinned == id)
            {
                pins.Remove(token);
                session.References[id] = session.References.GetValueOrDefault(id) + 1; // the pin's reference, taken over
                return;
            }

            if (!counts.ContainsKey(id))
            {
                throw Gone(id);
            }

            TakeLocked(id, session);
        }
    }

    /// <summary>Takes a reference to object <paramref name="id"/> for a proxy on its way to another process; returns the pin's token.</summary>
    /// <exception cref="KeyNotFoundException">The object is gone.</exception>
    private long Pin(long id)
    {
        lock (references)
        {
            if (!counts.TryGetValue(id, out int count))
            {
                throw Gone(id);
            }

            counts[id] = count + 1;
            long token = ++lastToken;
            pins.Add(token, id);
            return token;
        }
    }

    /// <summary>Under <see cref="references"/>: one more reference to object <paramref name="id"/>, held by <paramref name="session"/>.</summary>
    private void TakeLocked(long id, ManagerSession session)
    {
        counts[id]++;
        session.References[id] = session.References.GetValueOrDefault(id) + 1;
    }

    /// <summary>Gives back every reference a connection that ended held; the objects nothing holds any more are dropped and released.</summary>
    private void ReleaseAll(ManagerSession session)
    {
        List<IManagedObject> dropped = [];
        lock (references)
        {
            foreach ((long id, int n) in session.References)
            {
                ReleaseLocked(id, n, dropped);
            }

            session.References.Clear();
        }

        foreach (IManagedObject item in dropped)
        {
            (item as IReleasable)?.Release();
        }
    }

    /// <summary>Under <see cref="references"/>: gives back <paramref name="n"/> references to object <paramref name="id"/>; adds it to <paramref name="dropped"/> if it was the last (and its lock, if that was the lock's last).</summary>
    private void ReleaseLocked(long id, int n, List<IManagedObject> dropped)
    {
        int left = counts[id] - n;
        if (left > 0 || named.Contains(id))
        {
            counts[id] = left;
            return;
        }

        counts.Remove(id);
        if (objects.TryRemove(id, out IManagedObject? item))
        {
            dropped.Add(item);
        }

        if (dependsOn.Remove(id, out long lockId))
        {
            ReleaseLocked(lockId, 1, dropped);
        }
    }

    private KeyNotFoundException Gone(long id) =>
        id > 0 && id <= Volatile.Read(ref lastId)
            ? new KeyNotFoundException(
                $"This manager no longer holds object #{id}: it was dropped once nothing held it (every proxy to it had been disposed or collected, or its process had ended, and no copy sent to another process was still on its way). Keep a proxy to an object alive while other processes may still connect to it, or give the object a name.")
            : new KeyNotFoundException($"This manager holds no object with id {id}.");

    private static T Reopen<T>(string descriptor)
        where T : class, Sharing.ISharedObject<T> => T.Reopen(descriptor);

    private ValueTask Dispatch(ReadOnlySpan<byte> request, WireBuffer reply, ManagerSession session)
    {
        if (request.Length < 9)
        {
            throw new InvalidDataException("A manager request is truncated.");
        }

        var reader = new WireReader(request);
        var op = (ManagerOp)reader.ReadByte();
        long id = reader.ReadInt64();
        if (op == ManagerOp.Create)
        {
            var kind = (ManagedKind)reader.ReadByte();
            ReadOnlySpan<byte> nameBytes = reader.ReadFramed();
            string? name = nameBytes.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(nameBytes);
            ReadOnlySpan<byte> initial = reader.Rest;
            reply.WriteInt64(name is null ? Add(kind, initial, session, isNamed: false) : AddOrFind(kind, name, initial, session));
            return default;
        }

        switch (op)
        {
            case ManagerOp.Attach:
                Attach(id, reader.ReadInt64(), session);
                return default;
            case ManagerOp.Pin:
                reply.WriteInt64(Pin(id));
                return default;
            case ManagerOp.Diagnostics:
                lock (references)
                {
                    reply.WriteInt32(objects.Count);
                    reply.WriteInt32(pins.Count);
                }

                reply.WriteInt32(Volatile.Read(ref serving));
                reply.WriteInt32(Volatile.Read(ref inProgress) - 1); // not this one
                return default;
        }

        if (!objects.TryGetValue(id, out IManagedObject? target))
        {
            throw Gone(id);
        }

        return target.Serve(op, ref reader, reply, session);
    }
}
