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
    private readonly AsyncPulse pulse = new();
    private readonly WaitSince.Counter waiting = new();
    private readonly Func<long> generationNow;
    private readonly Func<bool> raised;
    private bool isSet;
    private long generation;

    public EncodedEvent()
    {
        generationNow = () => generation;
        raised = () => isSet;
    }

    public ValueTask Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
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
                        pulse.PulseAll();
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
                    reply.WriteBool(isSet);
                }

                break;
            case ManagerOp.EventWait:
                {
                    long ms = args.ReadInt64();
                    return WaitSince.ServeAsync(gate, pulse, generationNow, raised, waiting, ms, args.ReadInt64(), reply, session);
                }

            case ManagerOp.EventWaiting:
                lock (gate)
                {
                    reply.WriteInt32(waiting.Value);
                }

                break;
            default:
                throw new InvalidOperationException($"An event has no operation {op}.");
        }

        return default;
    }
}
