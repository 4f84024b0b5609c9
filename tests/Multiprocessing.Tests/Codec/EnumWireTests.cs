using System.Buffers;
using Multiprocessing.Codec;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Codec;

/// <summary>An enum crosses as exactly the bytes of its underlying integer, and a value out of its range does not decode.</summary>
public sealed class EnumWireTests
{
    private enum Short : short
    {
        Min = short.MinValue,
        Max = short.MaxValue,
    }

    private enum UShort : ushort
    {
        Max = ushort.MaxValue,
    }

    private enum UInt : uint
    {
        Max = uint.MaxValue,
    }

    [Fact]
    public void Encode_EnumsOfEveryWidth_WriteTheBytesOfTheirUnderlyingValue()
    {
        AssertSameBytes(Tiny.Zero, (byte)0);
        AssertSameBytes(Tiny.Max, byte.MaxValue);
        AssertSameBytes(Signed.Min, sbyte.MinValue);
        AssertSameBytes(Signed.Minus, (sbyte)-1);
        AssertSameBytes(Short.Min, short.MinValue);
        AssertSameBytes(Short.Max, short.MaxValue);
        AssertSameBytes((Short)(-33), (short)-33);
        AssertSameBytes(UShort.Max, ushort.MaxValue);
        AssertSameBytes((UShort)200, (ushort)200);
        AssertSameBytes(Visibility.Shown, 1);
        AssertSameBytes((Visibility)(-7), -7);
        AssertSameBytes((Visibility)int.MinValue, int.MinValue);
        AssertSameBytes(UInt.Max, uint.MaxValue);
        AssertSameBytes(Wide.Min, long.MinValue);
        AssertSameBytes(Wide.Max, long.MaxValue);
        AssertSameBytes(HugeFlags.High, 1UL << 63);
        AssertSameBytes((HugeFlags)12345, 12345UL);
    }

    [Fact]
    public void Decode_ValueOutOfTheUnderlyingRange_Throws()
    {
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<Tiny>(Encoded(300)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<Tiny>(Encoded(-1)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<Signed>(Encoded(128)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<Short>(Encoded(40000)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<UShort>(Encoded(-1)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<Visibility>(Encoded(long.MaxValue)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<UInt>(Encoded(-5)));
        Assert.ThrowsAny<Exception>(() => WireCodec.Deserialize<HugeFlags>(Encoded(-5L)));
    }

    private static void AssertSameBytes<TEnum, TUnderlying>(TEnum value, TUnderlying underlying)
    {
        byte[] bytes = Encoded(value);
        Assert.Equal(Encoded(underlying), bytes);
        Assert.Equal(value, WireCodec.Deserialize<TEnum>(bytes));
    }

    private static byte[] Encoded<T>(T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WireCodec.Serialize(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
