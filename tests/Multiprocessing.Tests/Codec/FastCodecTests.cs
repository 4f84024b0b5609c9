using System.Buffers;
using MessagePack;
using Multiprocessing.Codec;

namespace Multiprocessing.Tests.Codec;

/// <summary>The fast forms of common message types are byte for byte what the codec writes, and read back what it wrote.</summary>
public sealed class FastCodecTests
{
    public static TheoryData<long> Integers => [0, 1, 127, 128, 255, 256, 65535, 65536, uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue, -1, -32, -33, -128, -129, short.MinValue, short.MinValue - 1, int.MinValue, (long)int.MinValue - 1, long.MinValue];

    [Theory]
    [MemberData(nameof(Integers))]
    public void Longs_MatchTheCodec(long value) => AssertSame(value);

    [Theory]
    [MemberData(nameof(Integers))]
    public void Ints_MatchTheCodec_WhenInRange(long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            AssertSame((int)value);
        }
        else
        {
            // A long too large for an int: the fast reader declines, so the codec reports the overflow.
            Assert.False(FastCodec.TryRead(Encoded(value), out int _));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.5)]
    [InlineData(double.MaxValue)]
    [InlineData(double.NaN)]
    public void Doubles_MatchTheCodec(double value) => AssertSame(value);

    [Fact]
    public void Bools_MatchTheCodec()
    {
        AssertSame(true);
        AssertSame(false);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(1_000_000)]
    public void ByteArrays_MatchTheCodec(int length)
    {
        byte[] value = [.. Enumerable.Range(0, length).Select(i => (byte)i)];
        Span<byte> head = stackalloc byte[FastCodec.MaxScalarSize];
        int n = FastCodec.Write(value, head, out ReadOnlySpan<byte> body);
        byte[] fast = [.. head[..n], .. body];
        Assert.Equal(Encoded(value), fast);
        Assert.True(FastCodec.TryRead(fast, out byte[]? back));
        Assert.Equal(value, back);
    }

    [Fact]
    public void NullByteArray_MatchesTheCodec()
    {
        Span<byte> head = stackalloc byte[FastCodec.MaxScalarSize];
        int n = FastCodec.Write<byte[]?>(null, head, out ReadOnlySpan<byte> body);
        Assert.Equal(Encoded<byte[]?>(null), head[..n].ToArray());
        Assert.True(body.IsEmpty);
        Assert.True(FastCodec.TryRead(Encoded<byte[]?>(null), out byte[]? back));
        Assert.Null(back);
    }

    [Fact]
    public void NullableScalars_MatchTheCodecsFormatter_ValueOrNil()
    {
        // The codec itself now takes the fast way for these: compare with its formatters, which it used before.
        AssertSame<int?>(null);
        AssertSame<int?>(-129);
        AssertSame<int?>(int.MaxValue);
        AssertSame<long?>(null);
        AssertSame<long?>(long.MinValue);
        AssertSame<long?>(300);
        AssertSame<double?>(null);
        AssertSame<double?>(-1.5);
        AssertSame<bool?>(null);
        AssertSame<bool?>(true);
        AssertSame<bool?>(false);
    }

    [Fact]
    public void NullableScalars_OfAnotherForm_AreLeftToTheCodec()
    {
        Assert.False(FastCodec.TryRead(FormatterEncoded((long)int.MaxValue + 1), out int? _)); // out of an int's range: the codec reports it
        Assert.False(FastCodec.TryRead(FormatterEncoded("text"), out long? _));
        Assert.False(FastCodec.TryRead(FormatterEncoded(7), out bool? _));
        Assert.False(FastCodec.TryRead(FormatterEncoded(1.5f), out double? _));
        Exception? overflow = Record.Exception(() => WireCodec.Deserialize<int?>(FormatterEncoded((long)int.MaxValue + 1).AsMemory()));
        Assert.True(overflow is not null && WireCodec.IsDecodeFailure(overflow), $"an int? out of range is a decode failure, not {overflow}");
    }

    [Fact]
    public void OtherForms_AreLeftToTheCodec()
    {
        Assert.False(FastCodec.TryRead(Encoded("text"), out int _));
        Assert.False(FastCodec.TryRead(Encoded(1.5f), out double _)); // a float32 form
        Assert.False(FastCodec.TryRead(Encoded(7), out bool _));
    }

    /// <summary>FastCodec writes what the codec's own formatter writes (the codec, which takes FastCodec's way for these types, would compare it with itself), and reads it back.</summary>
    private static void AssertSame<T>(T value)
    {
        Span<byte> head = stackalloc byte[FastCodec.MaxScalarSize];
        Assert.True(FastCodec.Handles<T>());
        int n = FastCodec.Write(value, head, out ReadOnlySpan<byte> body);
        Assert.True(body.IsEmpty);
        byte[] codec = FormatterEncoded(value);
        Assert.Equal(codec, head[..n].ToArray());
        Assert.True(FastCodec.TryRead(codec, out T back));
        Assert.Equal(value, back);
        Assert.Equal(value, WireCodec.Deserialize<T>(codec.AsMemory()));
    }

    /// <summary>What the codec's own formatter for <typeparamref name="T"/> writes, bypassing <see cref="FastCodec"/>.</summary>
    private static byte[] FormatterEncoded<T>(T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        WireCodec.Options.Resolver.GetFormatterWithVerify<T>().Serialize(ref writer, value, WireCodec.Options);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Encoded<T>(T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WireCodec.Serialize(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
