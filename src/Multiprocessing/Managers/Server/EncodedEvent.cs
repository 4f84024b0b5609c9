namespace Multiprocessing.Managers;

/// <summary>
/// A manager's event. Each set that raises the flag starts a new generation, which a clear leaves alone: a wait
/// ends (true) when the flag is raised or the generation has moved on since the wait began, so a set followed at
/// once by a clear still releases every waiter, as in Python. A wait made of several requests (a proxy's 100 ms
/// slices) carries the generation it began with from one request to the next (<see cref="WaitSince"/>), so a set
/// and a clear that both come between two requests release it too.
/// </summary>
internal sealed class EncodedEvent : IManagedObject
{
    private readonly object gate = new();
    private bool isSet;
    private long generation;
    private int waiting;

    public void Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.EventSet:
                lock (gate)
                {
                    if (!isSet)
                    {
                        isSet = true;
                        generation++;
                        Monitor.PulseAll(gate);
                    }
                }

                break;
            case ManagerOp.EventClear:
                lock (gate)
                {
                    isSet = false;
                }

                break;
            case ManagerOp.EventIsSet:
                lock (gate)
                {
                    reply.WriteByte(isSet ? (byte)1 : (byte)0);
                }

                break;
            case ManagerOp.EventWait:
                Wait(args.ReadInt64(), args.ReadInt64(), reply, session);
                break;
            case ManagerOp.EventWaiting:
                lock (gate)
                {
                    reply.WriteInt32(waiting);
                }

                break;
            default:
                throw new InvalidOperationException($"An event has no operation {op}.");
        }
    }

    /// <summary>
    /// Waits at most <paramref name="ms"/> (-1: for ever) for a set since <paramref name="since"/> (the generation
    /// an earlier request of the same wait replied, or <see cref="WaitSince.FromNow"/>). Replies whether it came, and the
    /// generation the wait counts from, for the next request of the same wait.
    /// </summary>
    private void Wait(long ms, long since, WireBuffer reply, ManagerSession session)
    {
        lock (gate)
        {
            WaitSince.Serve(gate, () => generation, () => isSet, ms, since, ref waiting, reply, session);
        }
    }
}
