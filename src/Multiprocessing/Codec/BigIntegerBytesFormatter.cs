using System.Buffers;
using System.Numerics;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes a <see cref="BigInteger"/> as bin: its two's-complement bytes, little-endian, as
/// <see cref="BigInteger.ToByteArray()"/> gives them.
/// </summary>
internal sealed class BigIntegerBytesFormatter : IMessagePackFormatter<BigInteger>
{
    public static readonly BigIntegerBytesFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, BigInteger value, MessagePackSerializerOptions options)
    {
        int length = value.GetByteCount();
        writer.WriteBinHeader(length);
        Span<byte> span = writer.GetSpan(length);
        if (!value.TryWriteBytes(span, out int written) || written != length)
        {
            throw new CodecException($"the BigInteger did not fit the {length} bytes it asked for");
        }

        writer.Advance(length);
    }

    public BigInteger Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        ReadOnlySequence<byte> bytes = reader.ReadBytes()
            ?? throw new MessagePackSerializationException("A BigInteger was expected, but the value is nil.");
        return bytes.IsSingleSegment ? new BigInteger(bytes.FirstSpan) : new BigInteger(bytes.ToArray());
    }
}
