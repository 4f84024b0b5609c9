using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>A manager's fixed-length array: elements of one size, held as bytes (the manager knows no element type).</summary>
internal sealed class EncodedArray : IImmediateObject
{
    private readonly object gate = new();
    private readonly byte[] data;
    private readonly int elementSize;
    private readonly int length;

    /// <param name="initial">Element size (int32), length (int32), then the initial bytes (none for zeros).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or length out of range, or initial bytes of another length.</exception>
    public EncodedArray(ReadOnlySpan<byte> initial)
    {
        elementSize = BinaryPrimitives.ReadInt32LittleEndian(initial);
        length = BinaryPrimitives.ReadInt32LittleEndian(initial[4..]);
        ArgumentOutOfRangeException.ThrowIfLessThan(elementSize, 1, "elementSize");
        ArgumentOutOfRangeException.ThrowIfNegative(length, "length");
        data = new byte[checked(elementSize * length)];
        ReadOnlySpan<byte> values = initial[8..];
        if (!values.IsEmpty)
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(values.Length, data.Length, nameof(initial));
            values.CopyTo(data);
        }
    }

    public void ServeNow(ManagerOp op, ref WireReader args, WireBuffer reply, ManagerSession session)
    {
        switch (op)
        {
            case ManagerOp.ArrayInfo:
                reply.WriteInt32(elementSize);
                reply.WriteInt32(length);
                break;
            case ManagerOp.ArrayRead:
                {
                    int start = args.ReadInt32();
                    int count = args.ReadInt32();
                    bool inRange = InRange(start, count);
                    reply.WriteBool(inRange);
                    if (inRange)
                    {
                        lock (gate)
                        {
                            reply.WriteBytes(data.AsSpan(start * elementSize, count * elementSize));
                        }
                    }

                    break;
                }

            case ManagerOp.ArrayWrite:
                {
                    int start = args.ReadInt32();
                    ReadOnlySpan<byte> bytes = args.Rest;
                    bool inRange = bytes.Length % elementSize == 0 && InRange(start, bytes.Length / elementSize);
                    if (inRange)
                    {
                        lock (gate)
                        {
                            bytes.CopyTo(data.AsSpan(start * elementSize));
                        }
                    }

                    reply.WriteBool(inRange);
                    break;
                }

            case ManagerOp.ArrayIncrement:
                {
                    int index = args.ReadInt32();
                    long delta = args.ReadInt64();
                    if (elementSize is not (4 or 8))
                    {
                        throw new InvalidOperationException($"Only arrays of 4- or 8-byte integers can be incremented; these elements are {elementSize} bytes.");
                    }

                    bool inRange = InRange(index, 1);
                    reply.WriteBool(inRange);
                    if (inRange)
                    {
                        Span<byte> slot = data.AsSpan(index * elementSize, elementSize);
                        long now;
                        lock (gate)
                        {
                            if (elementSize == 4)
                            {
                                now = unchecked(BinaryPrimitives.ReadInt32LittleEndian(slot) + (int)delta);
                                BinaryPrimitives.WriteInt32LittleEndian(slot, (int)now);
                            }
                            else
                            {
                                now = unchecked(BinaryPrimitives.ReadInt64LittleEndian(slot) + delta);
                                BinaryPrimitives.WriteInt64LittleEndian(slot, now);
                            }
                        }

                        reply.WriteInt64(now);
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"An array has no operation {op}.");
        }
    }

    private bool InRange(int start, int count) => start >= 0 && count >= 0 && start <= length - count;
}
