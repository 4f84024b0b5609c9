using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>A manager's FIFO queue of encoded items, bounded or not; it counts the items put and not yet marked done, for a joinable queue's proxy.</summary>
internal sealed class EncodedQueue : IManagedObject, IReleasable
{
    private readonly Queue<byte[]> items = new();
    private readonly object gate = new();
    private readonly AsyncPulse pulse = new();

    /// <summary>Join requests waiting now.</summary>
    private readonly WaitSince.Counter joining = new();
    private readonly int maxSize;
    private readonly Func<long> drainedNow;
    private readonly Func<bool> allDone;
    private readonly Action throwIfReleased;
    private long unfinished;

    /// <summary>How many times <see cref="unfinished"/> came down to 0: a join ends once it moved, even if a put followed at once.</summary>
    private long drained;

    /// <summary>Whether the manager dropped the queue (<see cref="Release"/>).</summary>
    private bool released;

    /// <param name="initial">The maximum size (int32, 0 for none).</param>
    public EncodedQueue(ReadOnlySpan<byte> initial)
    {
        maxSize = BinaryPrimitives.ReadInt32LittleEndian(initial);
        drainedNow = () => drained;
        allDone = () => unfinished == 0 || released;
        throwIfReleased = ThrowIfReleased;
    }

    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.QueuePut:
                {
                    long ms = args.ReadInt64();
                    byte[] item = args.Rest.ToArray();
                    lock (gate)
                    {
                        if (TryPutLocked(item))
                        {
                            reply.WriteByte(1);
                            return default;
                        }
                    }

                    return PutAsync(item, ms, reply, session);
                }

            case ManagerOp.QueueGet:
                {
                    long ms = args.ReadInt64();
                    lock (gate)
                    {
                        if (TryGetLocked(out byte[]? item))
                        {
                            WriteGot(reply, item);
                            return default;
                        }
                    }

                    return GetAsync(ms, reply, session);
                }

            case ManagerOp.QueueCount:
                lock (gate)
                {
                    reply.WriteInt32(items.Count);
                    reply.WriteInt32(maxSize);
                }

                break;
            case ManagerOp.QueueJoining:
                lock (gate)
                {
                    reply.WriteInt32(joining.Value);
                }

                break;
            case ManagerOp.QueueTaskDone:
                {
                    bool done = false;
                    lock (gate)
                    {
                        if (unfinished > 0)
                        {
                            done = true;
                            if (--unfinished == 0)
                            {
                                drained++;
                                pulse.PulseAll();
                            }
                        }
                    }

                    reply.WriteBool(done);
                    break;
                }

            case ManagerOp.QueueJoin:
                {
                    // As Python's join: it ends once every item is done, even if another is put at once (a
                    // sliced join carries the count of drains it began with from one request to the next).
                    long ms = args.ReadInt64();
                    long since = args.ReadInt64();
                    return WaitSince.ServeAsync(gate, pulse, drainedNow, allDone, joining, ms, since, reply, session, throwIfReleased);
                }

            default:
                throw new InvalidOperationException($"A queue has no operation {op}.");
        }

        return default;
    }

    /// <summary>Drops the items and wakes every request waiting on the queue, which throws.</summary>
    public void Release()
    {
        lock (gate)
        {
            released = true;
            items.Clear();
            pulse.PulseAll();
        }
    }

    private async ValueTask PutAsync(byte[] item, long ms, WireBuffer reply, ManagerSession session)
    {
        bool put = await WaitUntilAsync(() => TryPutLocked(item), ms, session).ConfigureAwait(false);
        reply.WriteBool(put);
    }

    private async ValueTask GetAsync(long ms, WireBuffer reply, ManagerSession session)
    {
        byte[]? item = null;
        _ = await WaitUntilAsync(() => TryGetLocked(out item), ms, session).ConfigureAwait(false);
        WriteGot(reply, item);
    }

    /// <summary>Reply to a get: whether an item came (1 byte), then the item.</summary>
    private static void WriteGot(WireBuffer reply, byte[]? item)
    {
        reply.WriteByte(item is null ? (byte)0 : (byte)1);
        if (item is not null)
        {
            reply.WriteBytes(item);
        }
    }

    /// <summary>Holding <see cref="gate"/>: puts <paramref name="item"/> if there is room.</summary>
    /// <exception cref="ObjectDisposedException">The queue was dropped.</exception>
    private bool TryPutLocked(byte[] item)
    {
        ThrowIfReleased();
        if (maxSize != 0 && items.Count >= maxSize)
        {
            return false;
        }

        items.Enqueue(item);
        unfinished++;
        pulse.PulseAll();
        return true;
    }

    /// <summary>Holding <see cref="gate"/>: takes the next item if there is one.</summary>
    /// <exception cref="ObjectDisposedException">The queue was dropped.</exception>
    private bool TryGetLocked([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? item)
    {
        ThrowIfReleased();
        if (!items.TryDequeue(out item))
        {
            return false;
        }

        pulse.PulseAll();
        return true;
    }

    /// <summary>
    /// Waits until <paramref name="attempt"/> (run holding <see cref="gate"/>) succeeds or <paramref name="ms"/>
    /// milliseconds pass (-1: for ever), or the session's client is gone (false: a wait for ever must not outlive
    /// its client, whose connection, and the references it holds, would never end).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue was dropped meanwhile.</exception>
    private async ValueTask<bool> WaitUntilAsync(Func<bool> attempt, long ms, ManagerSession session)
    {
        WaitOutcome outcome = await SessionWait.UntilAsync(gate, pulse, attempt, ms, session).ConfigureAwait(false);
        if (outcome != WaitOutcome.Ready)
        {
            lock (gate)
            {
                ThrowIfReleased();
            }
        }

        return outcome == WaitOutcome.Ready;
    }

    private void ThrowIfReleased()
    {
        if (released)
        {
            throw new ObjectDisposedException("managed queue", "The manager dropped this queue: nothing held a reference to it any more.");
        }
    }
}
