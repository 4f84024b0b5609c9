using System.Buffers.Binary;
using System.Diagnostics;

namespace Multiprocessing.Managers;

/// <summary>A manager's FIFO queue of encoded items, bounded or not; it counts the items put and not yet marked done, for a joinable queue's proxy.</summary>
internal sealed class EncodedQueue : IManagedObject
{
    private readonly Queue<byte[]> items = new();
    private readonly object gate = new();
    private readonly int maxSize;
    private long unfinished;

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
                        if (WaitUntil(() => maxSize == 0 || items.Count < maxSize, ms))
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
                        if (WaitUntil(() => items.Count > 0, ms))
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
                                Monitor.PulseAll(gate);
                            }
                        }
                    }

                    reply.WriteByte(done ? (byte)1 : (byte)0);
                    break;
                }

            case ManagerOp.QueueJoin:
                {
                    long ms = args.ReadInt64();
                    WaitOutcome outcome;
                    lock (gate)
                    {
                        outcome = SessionWait.Until(gate, () => unfinished == 0, ms, session);
                    }

                    reply.WriteByte(outcome == WaitOutcome.Ready ? (byte)1 : (byte)0);
                    break;
                }

            default:
                throw new InvalidOperationException($"A queue has no operation {op}.");
        }
    }

    /// <summary>Waits (holding <see cref="gate"/>) until <paramref name="ready"/> or <paramref name="ms"/> milliseconds pass (-1: for ever).</summary>
    private bool WaitUntil(Func<bool> ready, long ms)
    {
        long start = Stopwatch.GetTimestamp();
        while (!ready())
        {
            if (ms < 0)
            {
                Monitor.Wait(gate);
                continue;
            }

            long left = ms - (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (left <= 0 || !Monitor.Wait(gate, (int)Math.Min(left, int.MaxValue)))
            {
                return ready();
            }
        }

        return true;
    }
}
