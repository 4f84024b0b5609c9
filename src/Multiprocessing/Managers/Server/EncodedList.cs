namespace Multiprocessing.Managers;

/// <summary>A manager's list of encoded items; items are compared by their encoding.</summary>
internal sealed class EncodedList : IImmediateObject
{
    private readonly List<byte[]> items = [];
    private readonly Lock gate = new();

    public void ServeNow(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        lock (gate)
        {
            switch (op)
            {
                case ManagerOp.ListGet:
                    {
                        int index = args.ReadInt32();
                        bool inRange = (uint)index < (uint)items.Count;
                        reply.WriteFound(inRange, inRange ? items[index] : default);
                        break;
                    }

                case ManagerOp.ListSet:
                    {
                        int index = args.ReadInt32();
                        bool inRange = (uint)index < (uint)items.Count;
                        if (inRange)
                        {
                            items[index] = args.Rest.ToArray();
                        }

                        reply.WriteBool(inRange);
                        break;
                    }

                case ManagerOp.ListAdd:
                    items.Add(args.Rest.ToArray());
                    reply.WriteInt32(items.Count);
                    break;
                case ManagerOp.ListInsert:
                    {
                        int index = args.ReadInt32();
                        bool inRange = (uint)index <= (uint)items.Count;
                        if (inRange)
                        {
                            items.Insert(index, args.Rest.ToArray());
                        }

                        reply.WriteBool(inRange);
                        break;
                    }

                case ManagerOp.ListRemoveAt:
                    {
                        int index = args.ReadInt32();
                        bool inRange = (uint)index < (uint)items.Count;
                        reply.WriteFound(inRange, inRange ? items[index] : default);
                        if (inRange)
                        {
                            items.RemoveAt(index);
                        }

                        break;
                    }

                case ManagerOp.ListCount:
                    reply.WriteInt32(items.Count);
                    break;
                case ManagerOp.ListClear:
                    items.Clear();
                    break;
                case ManagerOp.ListItems:
                    reply.WriteInt32(items.Count);
                    foreach (byte[] item in items)
                    {
                        reply.WriteFramed(item);
                    }

                    break;
                case ManagerOp.ListIndexOf:
                    reply.WriteInt32(IndexOf(args.Rest));
                    break;
                case ManagerOp.ListRemove:
                    {
                        int index = IndexOf(args.Rest);
                        if (index >= 0)
                        {
                            items.RemoveAt(index);
                        }

                        reply.WriteBool(index >= 0);
                        break;
                    }

                default:
                    throw new InvalidOperationException($"A list has no operation {op}.");
            }
        }
    }

    private int IndexOf(ReadOnlySpan<byte> encoded)
    {
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].AsSpan().SequenceEqual(encoded))
            {
                return i;
            }
        }

        return -1;
    }
}
