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

    /// <remarks>
    /// MessagePack writes an integer in its most compact form whatever type it is written from, so widening the value
    /// to <see cref="long"/> or <see cref="ulong"/> writes the same bytes as its own type would.
    /// </remarks>
    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        switch (Underlying)
        {
            case TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64:
                writer.Write(Signed(value));
                break;
            case TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.Char:
                writer.Write(Unsigned(value));
                break;
            case TypeCode.Boolean:
                writer.Write(Unsafe.As<T, bool>(ref value));
                break;
            default:
                throw new CodecException($"the enum {TypeNames.Display(typeof(T))} has an underlying type ({Underlying}) that has no encoding");
        }
    }

    /// <remarks>A value out of the underlying type's range throws <see cref="OverflowException"/>, as reading it as that type would.</remarks>
    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => Underlying switch
    {
        TypeCode.SByte => From(checked((sbyte)reader.ReadInt64())),
        TypeCode.Byte => From(checked((byte)reader.ReadUInt64())),
        TypeCode.Int16 => From(checked((short)reader.ReadInt64())),
        TypeCode.UInt16 => From(checked((ushort)reader.ReadUInt64())),
        TypeCode.Int32 => From(checked((int)reader.ReadInt64())),
        TypeCode.UInt32 => From(checked((uint)reader.ReadUInt64())),
        TypeCode.Int64 => From(reader.ReadInt64()),
        TypeCode.UInt64 => From(reader.ReadUInt64()),
        TypeCode.Char => From(checked((char)reader.ReadUInt64())),
        TypeCode.Boolean => From(reader.ReadBoolean()),
        _ => throw new MessagePackSerializationException($"The enum {TypeNames.Display(typeof(T))} has an underlying type ({Underlying}) that has no encoding."),
    };

    private static long Signed(T value) => Underlying switch
    {
        TypeCode.SByte => Unsafe.As<T, sbyte>(ref value),
        TypeCode.Int16 => Unsafe.As<T, short>(ref value),
        TypeCode.Int32 => Unsafe.As<T, int>(ref value),
        _ => Unsafe.As<T, long>(ref value),
    };

    private static ulong Unsigned(T value) => Underlying switch
    {
        TypeCode.Byte => Unsafe.As<T, byte>(ref value),
        TypeCode.UInt16 => Unsafe.As<T, ushort>(ref value),
        TypeCode.Char => Unsafe.As<T, char>(ref value),
        TypeCode.UInt32 => Unsafe.As<T, uint>(ref value),
        _ => Unsafe.As<T, ulong>(ref value),
    };

    private static T From<TUnderlying>(TUnderlying value)
        where TUnderlying : unmanaged =>
        Unsafe.As<TUnderlying, T>(ref value);
}
