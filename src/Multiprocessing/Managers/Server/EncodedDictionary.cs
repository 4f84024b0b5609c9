using System.Buffers;
using MessagePack;

namespace Multiprocessing.Managers;

/// <summary>A manager's dictionary: encoded keys to encoded values, so that the manager needs no knowledge of the proxy's types.</summary>
internal sealed class EncodedDictionary : IImmediateObject
{
    private readonly Dictionary<byte[], byte[]> entries = new(ByteComparer.Instance);
    private readonly Lock gate = new();

    public void ServeNow(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        lock (gate)
        {
            switch (op)
            {
                case ManagerOp.DictGet:
                    {
                        reply.WriteFound(entries.TryGetValue(args.Rest.ToArray(), out byte[]? value), value);
                        break;
                    }

                case ManagerOp.DictSet:
                    {
                        byte[] key = args.ReadFramed().ToArray();
                        entries[key] = args.Rest.ToArray();
                        break;
                    }

                case ManagerOp.DictTryAdd:
                    {
                        byte[] key = args.ReadFramed().ToArray();
                        reply.WriteBool(entries.TryAdd(key, args.Rest.ToArray()));
                        break;
                    }

                case ManagerOp.DictRemove:
                    {
                        reply.WriteFound(entries.Remove(args.Rest.ToArray(), out byte[]? old), old);
                        break;
                    }

                case ManagerOp.DictContainsKey:
                    reply.WriteBool(entries.ContainsKey(args.Rest.ToArray()));
                    break;
                case ManagerOp.DictCount:
                    reply.WriteInt32(entries.Count);
                    break;
                case ManagerOp.DictClear:
                    entries.Clear();
                    break;
                case ManagerOp.DictItems:
                    reply.WriteInt32(entries.Count);
                    foreach ((byte[] key, byte[] value) in entries)
                    {
                        reply.WriteFramed(key);
                        reply.WriteFramed(value);
                    }

                    break;
                case ManagerOp.DictGetOrAdd:
                    {
                        byte[] key = args.ReadFramed().ToArray();
                        bool added = false;
                        if (!entries.TryGetValue(key, out byte[]? value))
                        {
                            value = args.Rest.ToArray();
                            entries.Add(key, value);
                            added = true;
                        }

                        reply.WriteBool(added);
                        reply.WriteBytes(value);
                        break;
                    }

                case ManagerOp.DictTryUpdate:
                    {
                        byte[] key = args.ReadFramed().ToArray();
                        ReadOnlySpan<byte> newValue = args.ReadFramed();
                        bool updated = entries.TryGetValue(key, out byte[]? current) && current.AsSpan().SequenceEqual(args.Rest);
                        if (updated)
                        {
                            entries[key] = newValue.ToArray();
                        }

                        reply.WriteBool(updated);
                        break;
                    }

                case ManagerOp.DictRemoveIfEquals:
                    {
                        byte[] key = args.ReadFramed().ToArray();
                        bool removed = entries.TryGetValue(key, out byte[]? current) && current.AsSpan().SequenceEqual(args.Rest) && entries.Remove(key);
                        reply.WriteBool(removed);
                        break;
                    }

                case ManagerOp.DictIncrement:
                    {
                        byte[] key = args.ReadFramed().ToArray();
                        long delta = args.ReadInt64();
                        long next = checked((entries.TryGetValue(key, out byte[]? current) ? ReadInteger(current) : 0) + delta);
                        entries[key] = WriteInteger(next);
                        reply.WriteInt64(next);
                        break;
                    }

                default:
                    throw new InvalidOperationException($"A dictionary has no operation {op}.");
            }
        }
    }

    /// <summary>The MessagePack form of an integer, which every integer type decodes.</summary>
    public static byte[] WriteInteger(long value)
    {
        var encoded = new ArrayBufferWriter<byte>(9);
        var writer = new MessagePackWriter(encoded);
        writer.Write(value);
        writer.Flush();
        return encoded.WrittenSpan.ToArray();
    }

    /// <summary>Reads a MessagePack integer.</summary>
    /// <exception cref="InvalidOperationException">The value is not an integer.</exception>
    public static long ReadInteger(byte[] encoded)
    {
        var reader = new MessagePackReader(encoded);
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            throw new InvalidOperationException($"Increment works on integer values only; this key holds a {reader.NextMessagePackType} value.");
        }

        return reader.ReadInt64();
    }

    private sealed class ByteComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
