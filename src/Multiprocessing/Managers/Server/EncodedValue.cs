namespace Multiprocessing.Managers;

/// <summary>A manager's single encoded value.</summary>
internal sealed class EncodedValue(byte[] initial) : IImmediateObject
{
    private readonly Lock gate = new();
    private byte[] current = initial;

    public void ServeNow(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        lock (gate)
        {
            switch (op)
            {
                case ManagerOp.ValueGet:
                    reply.WriteBytes(current);
                    break;
                case ManagerOp.ValueSet:
                    current = args.Rest.ToArray();
                    break;
                case ManagerOp.ValueExchange:
                    reply.WriteBytes(current);
                    current = args.Rest.ToArray();
                    break;
                case ManagerOp.ValueCompareExchange:
                    {
                        ReadOnlySpan<byte> value = args.ReadFramed();
                        bool exchanged = current.AsSpan().SequenceEqual(args.Rest);
                        reply.WriteBool(exchanged);
                        reply.WriteBytes(current);
                        if (exchanged)
                        {
                            current = value.ToArray();
                        }

                        break;
                    }

                case ManagerOp.ValueIncrement:
                    {
                        long next = checked(EncodedDictionary.ReadInteger(current) + args.ReadInt64());
                        current = EncodedDictionary.WriteInteger(next);
                        reply.WriteInt64(next);
                        break;
                    }

                default:
                    throw new InvalidOperationException($"A value has no operation {op}.");
            }
        }
    }
}
