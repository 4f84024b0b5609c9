using System.Collections.Concurrent;
using System.Net.Sockets;
using Multiprocessing.Codec;
using Multiprocessing.Connections;

namespace Multiprocessing.Managers;

/// <summary>
/// The manager's server loop: takes authenticated clients from a <see cref="Listener"/> (whose background acceptor
/// runs the handshakes, without a thread each), gives each its own thread (one request at a time), and holds the
/// managed objects by id.
/// </summary>
internal sealed class ManagerServer : IDisposable
{
    private readonly Listener listener;
    private readonly ConcurrentDictionary<long, IManagedObject> objects = new();
    private readonly Dictionary<string, (ManagedKind Kind, long Id)> names = new(StringComparer.Ordinal);
    private readonly ManagerRegistry registry;
    private long lastId;

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

            var thread = new Thread(() => Serve(connection)) { IsBackground = true, Name = "manager client" };
            thread.Start();
        }
    }

    /// <summary>Stops accepting; clients already connected are served until the process ends.</summary>
    public void Dispose() => listener.Dispose();

    private void Serve(SocketConnection connection)
    {
        using (connection)
        {
            byte[] buffer = new byte[4096];
            var reply = new WireBuffer();
            Connection current = connection;
            PipeConnection? pipe = null;
            var session = new ManagerSession(connection.PeerClosed);
            try
            {
                while (true)
                {
                    if (!ServeOne(ref current, ref pipe, buffer, reply, session))
                    {
                        return;
                    }
                }
            }
            finally
            {
                session.End();
                pipe?.Dispose();
            }
        }
    }

    /// <summary>Serves one request on <paramref name="current"/>; false once the client is gone.</summary>
    private bool ServeOne(ref Connection current, ref PipeConnection? pipe, byte[] buffer, WireBuffer reply, ManagerSession session)
    {
        byte[] frame;
        int length;
        try
        {
            length = current.ReceiveBytesInto(buffer);
            frame = buffer;
        }
        catch (BufferTooShortException e)
        {
            frame = e.Received;
            length = frame.Length;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            return false; // the client closed, died or broke the protocol: this connection only
        }

        reply.Reset();
        reply.WriteByte(0);
        PipeConnection? upgrade = null;
        try
        {
            if (length > 9 && frame[0] == (byte)ManagerOp.UseSharedMemoryPipe && pipe is null)
            {
                upgrade = Reopen<PipeConnection>(System.Text.Encoding.UTF8.GetString(frame, 9, length - 9));
            }
            else
            {
                Dispatch(frame.AsSpan(0, length), reply, session);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            reply.Reset();
            reply.WriteByte(1);
            WireCodec.Serialize(reply, (CurrentProcess.Name, CurrentProcess.Id, RemoteExceptionInfo.From(e)));
        }

        try
        {
            current.SendBytes(reply.WrittenSpan);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            upgrade?.Dispose();
            return false;
        }

        if (upgrade is not null)
        {
            pipe = upgrade;
            current = upgrade;
        }

        return true;
    }

    private long Add(ManagedKind kind, ReadOnlySpan<byte> initial)
    {
        IManagedObject created = kind switch
        {
            ManagedKind.Dictionary or ManagedKind.Namespace => new EncodedDictionary(),
            ManagedKind.List => new EncodedList(),
            ManagedKind.Value => new EncodedValue(initial.ToArray()),
            ManagedKind.Lock => new EncodedLock(reentrant: false),
            ManagedKind.RLock => new EncodedLock(reentrant: true),
            ManagedKind.Event => new EncodedEvent(),
            ManagedKind.Semaphore => new EncodedSemaphore(initial),
            ManagedKind.Queue => new EncodedQueue(initial),
            ManagedKind.Condition => new EncodedCondition(LockFor(initial)),
            ManagedKind.Barrier => new EncodedBarrier(initial),
            ManagedKind.Array => new EncodedArray(initial),
            ManagedKind.JoinableQueue => new EncodedQueue(initial),
            ManagedKind.Custom => registry.Create(initial),
            _ => throw new InvalidOperationException($"This manager cannot create objects of kind {kind}."),
        };
        long newId = Interlocked.Increment(ref lastId);
        objects[newId] = created;
        return newId;
    }

    /// <summary>The lock whose id (int64) <paramref name="initial"/> holds, or a new re-entrant one for 0 (a condition's lock).</summary>
    /// <exception cref="InvalidOperationException">The id is not a lock's.</exception>
    private EncodedLock LockFor(ReadOnlySpan<byte> initial)
    {
        long lockId = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(initial);
        if (lockId == 0)
        {
            return new EncodedLock(reentrant: true);
        }

        return objects.TryGetValue(lockId, out IManagedObject? found) && found is EncodedLock lk
            ? lk
            : throw new InvalidOperationException($"This manager holds no lock with id {lockId}.");
    }

    /// <summary>The id of the object named <paramref name="name"/>, created on first use.</summary>
    /// <exception cref="InvalidOperationException">The name belongs to an object of another kind.</exception>
    private long AddOrFind(ManagedKind kind, string name, ReadOnlySpan<byte> initial)
    {
        lock (names)
        {
            if (names.TryGetValue(name, out (ManagedKind Kind, long Id) found))
            {
                if (found.Kind == ManagedKind.Custom && kind == ManagedKind.Custom)
                {
                    ManagerRegistry.CheckSame(objects[found.Id], initial, name);
                }

                return found.Kind == kind
                    ? found.Id
                    : throw new InvalidOperationException($"The name '{name}' belongs to a {found.Kind} in this manager, not a {kind}.");
            }

            long id = Add(kind, initial);
            names.Add(name, (kind, id));
            return id;
        }
    }

    private static T Reopen<T>(string descriptor)
        where T : class, Sharing.ISharedObject<T> => T.Reopen(descriptor);

    private void Dispatch(ReadOnlySpan<byte> request, WireBuffer reply, ManagerSession session)
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
            reply.WriteInt64(name is null ? Add(kind, initial) : AddOrFind(kind, name, initial));
            return;
        }

        if (!objects.TryGetValue(id, out IManagedObject? target))
        {
            throw new KeyNotFoundException($"This manager holds no object with id {id}.");
        }

        target.Serve(op, ref reader, reply, session);
    }
}
