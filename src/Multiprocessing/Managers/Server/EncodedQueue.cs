using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>A manager's FIFO queue of encoded items, bounded or not; it counts the items put and not yet marked done, for a joinable queue's proxy.</summary>
internal sealed class EncodedQueue : IManagedObject, IReleasable
{
    private readonly Queue<byte[]> items = new();
    private readonly object gate = new();
    private readonly int maxSize;
    private long unfinished;

    /// <summary>How many times <see cref="unfinished"/> came down to 0: a join ends once it moved, even if a put followed at once.</summary>
    private long drained;

    /// <summary>Join requests waiting now.</summary>
    private int joining;

    /// <summary>Whether the manager dropped the queue (<see cref="Release"/>).</summary>
    private bool released;

    /// <param name="initial">The maximum size (int32, 0 for none).</param>
    public EncodedQueue(ReadOnlySpan<byte> initial) => maxSize = BinaryPrimitives.ReadInt32LittleEndian(initial);

    public void Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.QueuePut:
                {
                    long ms = args.ReadInt64();
                    byte[] item = args.Rest.ToArray();
                    bool put = false;
                    lock (gate)
                    {
                        if (WaitUntil(() => maxSize == 0 || items.Count < maxSize, ms, session))
                        {
                            items.Enqueue(item);
                            unfinished++;
                            Monitor.PulseAll(gate);
                            put = true;
                        }
                    }

                    reply.WriteByte(put ? (byte)1 : (byte)0);
                    break;
                }

            case ManagerOp.QueueGet:
                {
                    long ms = args.ReadInt64();
                    byte[]? item = null;
                    lock (gate)
                    {
                        if (WaitUntil(() => items.Count > 0, ms, session))
                        {
                            item = items.Dequeue();
                            Monitor.PulseAll(gate);
                        }
                    }

                    reply.WriteByte(item is null ? (byte)0 : (byte)1);
                    if (item is not null)
                    {
                        reply.WriteBytes(item);
                    }

                    break;
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
                    reply.WriteInt32(joining);
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
                                Monitor.PulseAll(gate);
                            }
                        }
                    }

                    reply.WriteByte(done ? (byte)1 : (byte)0);
                    break;
                }

            case ManagerOp.QueueJoin:
                {
                    // As Python's join: it ends once every item is done, even if another is put at once (a
                    // sliced join carries the count of drains it began with from one request to the next).
                    long ms = args.ReadInt64();
                    long since = args.ReadInt64();
                    lock (gate)
                    {
                        WaitSince.Serve(gate, () => drained, () => unfinished == 0 || released, ms, since, ref joining, reply, session);
                        ThrowIfReleased();
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"A queue has no operation {op}.");
        }
    }

    /// <summary>Drops the items and wakes every request waiting on the queue, which throws.</summary>
    public void Release()
    {
        lock (gate)
        {
            released = true;
            items.Clear();
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>
    /// Waits (holding <see cref="gate"/>) until <paramref name="ready"/> or <paramref name="ms"/> milliseconds pass
    /// (-1: for ever), or the session's client is gone (false: a wait for ever must not outlive its client, whose
    /// connection, and the references it holds, would never end).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue was dropped meanwhile.</exception>
    private bool WaitUntil(Func<bool> ready, long ms, ManagerSession session)
    {
        ThrowIfReleased();
        WaitOutcome outcome = SessionWait.Until(gate, () => released || ready(), ms, session);
        ThrowIfReleased();
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
