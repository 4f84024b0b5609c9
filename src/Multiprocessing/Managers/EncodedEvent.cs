namespace Multiprocessing.Managers;

/// <summary>A manager's event.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as the manager process; the slim primitive holds no kernel handle unless its wait handle is asked for, which it never is.")]
internal sealed class EncodedEvent : IManagedObject
{
    private readonly ManualResetEventSlim flag = new(false);

    public void Serve(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.EventSet:
                flag.Set();
                break;
            case ManagerOp.EventClear:
                flag.Reset();
                break;
            case ManagerOp.EventIsSet:
                reply.WriteByte(flag.IsSet ? (byte)1 : (byte)0);
                break;
            case ManagerOp.EventWait:
                {
                    long ms = args.ReadInt64();
                    reply.WriteByte(flag.Wait(ms < 0 ? Timeout.Infinite : (int)Math.Min(ms, int.MaxValue)) ? (byte)1 : (byte)0);
                    break;
                }

            default:
                throw new InvalidOperationException($"An event has no operation {op}.");
        }
    }
}
