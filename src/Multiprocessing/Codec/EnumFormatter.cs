using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes an enum value as its underlying integer, the wire form MessagePack uses for enums, without generating
/// code: the value is reinterpreted in place as its underlying type.
/// </summary>
/// <typeparam name="T">An enum type.</typeparam>
internal sealed class EnumFormatter<T> : IMessagePackFormatter<T>
{
    private static readonly TypeCode Underlying = Type.GetTypeCode(Enum.GetUnderlyingType(typeof(T)));

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        switch (Underlying)
        {
            case TypeCode.SByte:
                writer.Write(Unsafe.As<T, sbyte>(ref value));
                break;
            case TypeCode.Byte:
                writer.Write(Unsafe.As<T, byte>(ref value));
                break;
            case TypeCode.Int16:
                writer.Write(Unsafe.As<T, short>(ref value));
                break;
            case TypeCode.UInt16:
                writer.Write(Unsafe.As<T, ushort>(ref value));
                break;
            case TypeCode.Int32:
                writer.Write(Unsafe.As<T, int>(ref value));
                break;
            case TypeCode.UInt32:
                writer.Write(Unsafe.As<T, uint>(ref value));
                break;
            case TypeCode.Int64:
                writer.Write(Unsafe.As<T, long>(ref value));
                break;
            case TypeCode.UInt64:
                writer.Write(Unsafe.As<T, ulong>(ref value));
                break;
            case TypeCode.Char:
                writer.Write(Unsafe.As<T, char>(ref value));
                break;
            case TypeCode.Boolean:
                writer.Write(Unsafe.As<T, bool>(ref value));
                break;
            default:
                throw new CodecException($"the enum {TypeNames.Display(typeof(T))} has an underlying type ({Underlying}) that has no encoding");
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        switch (Underlying)
        {
            case TypeCode.SByte:
                return From(reader.ReadSByte());
            case TypeCode.Byte:
                return From(reader.ReadByte());
            case TypeCode.Int16:
                return From(reader.ReadInt16());
            case TypeCode.UInt16:
                return From(reader.ReadUInt16());
            case TypeCode.Int32:
                return From(reader.ReadInt32());
            case TypeCode.UInt32:
                return From(reader.ReadUInt32());
            case TypeCode.Int64:
                return From(reader.ReadInt64());
            case TypeCode.UInt64:
                return From(reader.ReadUInt64());
            case TypeCode.Char:
                return From(reader.ReadChar());
            case TypeCode.Boolean:
                return From(reader.ReadBoolean());
            default:
                throw new MessagePackSerializationException($"The enum {TypeNames.Display(typeof(T))} has an underlying type ({Underlying}) that has no encoding.");
        }
    }

    private static T From<TUnderlying>(TUnderlying value)
        where TUnderlying : unmanaged =>
        Unsafe.As<TUnderlying, T>(ref value);
}
