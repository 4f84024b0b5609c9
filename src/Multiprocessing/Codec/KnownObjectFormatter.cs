using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes slots declared as <see cref="object"/> when they hold one of a closed list of simple types, tagged
/// with a small number (never a type name), so that the receiver gets the same type back.
/// </summary>
internal sealed class KnownObjectFormatter : IMessagePackFormatter<object?>
{
    public static readonly KnownObjectFormatter Instance = new();

    private enum Tag : byte
    {
        Bool = 1, Byte, SByte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double, Decimal, Char, String, Bytes,
        DateTime, TimeSpan, Guid, DateTimeOffset,
    }

    public void Serialize(ref MessagePackWriter writer, object? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        Tag tag = value switch
        {
            bool => Tag.Bool,
            byte => Tag.Byte,
            sbyte => Tag.SByte,
            short => Tag.Int16,
            ushort => Tag.UInt16,
            int => Tag.Int32,
            uint => Tag.UInt32,
            long => Tag.Int64,
            ulong => Tag.UInt64,
            float => Tag.Single,
            double => Tag.Double,
            decimal => Tag.Decimal,
            char => Tag.Char,
            string => Tag.String,
            byte[] => Tag.Bytes,
            DateTime => Tag.DateTime,
            TimeSpan => Tag.TimeSpan,
            Guid => Tag.Guid,
            DateTimeOffset => Tag.DateTimeOffset,
            _ => throw new CodecException(
                $"a {TypeNames.Display(value.GetType())} is held in a slot declared as object; only numbers, bool, char, string, " +
                "byte[], DateTime, DateTimeOffset, TimeSpan and Guid cross as object, so declare the slot with its exact type"),
        };
        writer.WriteArrayHeader(2);
        writer.Write((byte)tag);
        WireCodec.Serialize(ref writer, value.GetType(), value);
    }

    public object? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.ReadArrayHeader() != 2)
        {
            throw new MessagePackSerializationException("Malformed object value.");
        }

        Type type = (Tag)reader.ReadByte() switch
        {
            Tag.Bool => typeof(bool),
            Tag.Byte => typeof(byte),
            Tag.SByte => typeof(sbyte),
            Tag.Int16 => typeof(short),
            Tag.UInt16 => typeof(ushort),
            Tag.Int32 => typeof(int),
            Tag.UInt32 => typeof(uint),
            Tag.Int64 => typeof(long),
            Tag.UInt64 => typeof(ulong),
            Tag.Single => typeof(float),
            Tag.Double => typeof(double),
            Tag.Decimal => typeof(decimal),
            Tag.Char => typeof(char),
            Tag.String => typeof(string),
            Tag.Bytes => typeof(byte[]),
            Tag.DateTime => typeof(DateTime),
            Tag.TimeSpan => typeof(TimeSpan),
            Tag.Guid => typeof(Guid),
            Tag.DateTimeOffset => typeof(DateTimeOffset),
            var t => throw new MessagePackSerializationException($"Unknown object tag {(byte)t}."),
        };
        return WireCodec.Deserialize(ref reader, type);
    }
}
