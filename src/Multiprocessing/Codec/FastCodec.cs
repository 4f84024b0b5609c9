using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Codec;

/// <summary>
/// The MessagePack forms of the commonest message types — integers, floating point, booleans, byte arrays —
/// written and read here, in this precompiled assembly, instead of through the codec's formatters: a fresh child
/// process would run those unoptimized for its first hundreds of milliseconds. The bytes are exactly what the
/// codec writes, and the codec reads them; anything else goes through the codec.
/// </summary>
internal static class FastCodec
{
    /// <summary>Room enough for any scalar form.</summary>
    public const int MaxScalarSize = 9;

    /// <summary>
    /// Whether <typeparamref name="T"/> has a fast form (for byte arrays, a header before the bytes). The nullable
    /// scalars (<c>int?</c>, <c>long?</c>, <c>double?</c>, <c>bool?</c>: a value, or None as a sentinel) are written as
    /// their value or as nil, which is what the codec's nullable formatter writes.
    /// </summary>
    public static bool Handles<T>() =>
        typeof(T) == typeof(int) || typeof(T) == typeof(long) || typeof(T) == typeof(double) || typeof(T) == typeof(bool) || typeof(T) == typeof(byte[])
        || typeof(T) == typeof(int?) || typeof(T) == typeof(long?) || typeof(T) == typeof(double?) || typeof(T) == typeof(bool?);

    /// <summary>
    /// Writes <paramref name="value"/>'s form into <paramref name="head"/> (9 bytes at least) and returns the
    /// bytes written; for a byte array, its header, the array itself being <paramref name="body"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write<T>(T value, Span<byte> head, out ReadOnlySpan<byte> body)
    {
        body = default;
        if (typeof(T) == typeof(int))
        {
            return WriteInteger(Unsafe.As<T, int>(ref value), head);
        }

        if (typeof(T) == typeof(long))
        {
            return WriteInteger(Unsafe.As<T, long>(ref value), head);
        }

        if (typeof(T) == typeof(double))
        {
            return WriteDouble(Unsafe.As<T, double>(ref value), head);
        }

        if (typeof(T) == typeof(bool))
        {
            return WriteBoolean(Unsafe.As<T, bool>(ref value), head);
        }

        if (typeof(T) == typeof(int?))
        {
            return WriteNullable(Unsafe.As<T, int?>(ref value), head);
        }

        if (typeof(T) == typeof(long?))
        {
            return WriteNullable(Unsafe.As<T, long?>(ref value), head);
        }

        if (typeof(T) == typeof(double?))
        {
            return WriteNullable(Unsafe.As<T, double?>(ref value), head);
        }

        if (typeof(T) == typeof(bool?))
        {
            return WriteNullable(Unsafe.As<T, bool?>(ref value), head);
        }

        byte[]? bytes = Unsafe.As<T, byte[]?>(ref value);
        body = bytes;
        return WriteBinaryHeader(bytes, head);
    }

    /// <summary>Whether <typeparamref name="T"/> has a fast form of a few bytes (not a byte array).</summary>
    public static bool IsScalar<T>() =>
        typeof(T) == typeof(int) || typeof(T) == typeof(long) || typeof(T) == typeof(double) || typeof(T) == typeof(bool);

    /// <summary>The length of the scalar form that starts <paramref name="bytes"/> (integer, float64, boolean), or -1 for any other form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ScalarLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return -1;
        }

        byte code = bytes[0];
        int length = code <= 0x7f || code >= 0xe0 ? 1 : code switch
        {
            0xc2 or 0xc3 => 1,
            0xcc or 0xd0 => 2,
            0xcd or 0xd1 => 3,
            0xce or 0xd2 => 5,
            0xcf or 0xd3 or 0xcb => 9,
            _ => -1,
        };
        return length <= bytes.Length ? length : -1;
    }

    /// <summary>Reads a <typeparamref name="T"/> written in its fast form; false if <paramref name="bytes"/> hold another form (let the codec read it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead<T>(ReadOnlySpan<byte> bytes, out T value)
    {
        value = default!;
        if (typeof(T) == typeof(int))
        {
            return TryReadInt32(bytes, out Unsafe.As<T, int>(ref value));
        }

        if (typeof(T) == typeof(long))
        {
            return TryReadInteger(bytes, out Unsafe.As<T, long>(ref value));
        }

        if (typeof(T) == typeof(double))
        {
            return TryReadDouble(bytes, out Unsafe.As<T, double>(ref value));
        }

        if (typeof(T) == typeof(bool))
        {
            return TryReadBoolean(bytes, out Unsafe.As<T, bool>(ref value));
        }

        if (typeof(T) == typeof(int?))
        {
            return TryReadNullable(bytes, out Unsafe.As<T, int?>(ref value));
        }

        if (typeof(T) == typeof(long?))
        {
            return TryReadNullable(bytes, out Unsafe.As<T, long?>(ref value));
        }

        if (typeof(T) == typeof(double?))
        {
            return TryReadNullable(bytes, out Unsafe.As<T, double?>(ref value));
        }

        if (typeof(T) == typeof(bool?))
        {
            return TryReadNullable(bytes, out Unsafe.As<T, bool?>(ref value));
        }

        if (typeof(T) == typeof(byte[]))
        {
            return TryReadBinary(bytes, out Unsafe.As<T, byte[]?>(ref value));
        }

        return false;
    }

    private static int WriteNil(Span<byte> into)
    {
        into[0] = 0xc0;
        return 1;
    }

    private static int WriteDouble(double d, Span<byte> into)
    {
        into[0] = 0xcb;
        BinaryPrimitives.WriteDoubleBigEndian(into[1..], d);
        return 9;
    }

    private static int WriteBoolean(bool b, Span<byte> into)
    {
        into[0] = b ? (byte)0xc3 : (byte)0xc2;
        return 1;
    }

    private static bool TryReadInt32(ReadOnlySpan<byte> bytes, out int value)
    {
        bool ok = TryReadInteger(bytes, out long v) && v is >= int.MinValue and <= int.MaxValue;
        value = ok ? (int)v : 0;
        return ok;
    }

    private static bool TryReadDouble(ReadOnlySpan<byte> bytes, out double value)
    {
        bool ok = bytes.Length == 9 && bytes[0] == 0xcb;
        value = ok ? BinaryPrimitives.ReadDoubleBigEndian(bytes[1..]) : 0;
        return ok;
    }

    private static bool TryReadBoolean(ReadOnlySpan<byte> bytes, out bool value)
    {
        bool ok = bytes.Length == 1 && (bytes[0] | 1) == 0xc3;
        value = ok && bytes[0] == 0xc3;
        return ok;
    }

    private static bool IsNil(ReadOnlySpan<byte> bytes) => bytes.Length == 1 && bytes[0] == 0xc0;

    /// <summary>A nullable scalar's form: its value's, or nil.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteNullable<TValue>(TValue? value, Span<byte> head)
        where TValue : struct =>
        value is TValue v ? Write(v, head, out _) : WriteNil(head);

    /// <summary>Reads a nullable scalar: nil as null, else its value's form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadNullable<TValue>(ReadOnlySpan<byte> bytes, out TValue? value)
        where TValue : struct
    {
        value = null;
        if (IsNil(bytes))
        {
            return true;
        }

        bool ok = TryRead(bytes, out TValue v);
        value = ok ? v : null;
        return ok;
    }

    private static int WriteInteger(long v, Span<byte> into)
    {
        if (v >= 0)
        {
            if (v <= 0x7f)
            {
                into[0] = (byte)v;
                return 1;
            }

            if (v <= byte.MaxValue)
            {
                into[0] = 0xcc;
                into[1] = (byte)v;
                return 2;
            }

            if (v <= ushort.MaxValue)
            {
                into[0] = 0xcd;
                BinaryPrimitives.WriteUInt16BigEndian(into[1..], (ushort)v);
                return 3;
            }

            if (v <= uint.MaxValue)
            {
                into[0] = 0xce;
                BinaryPrimitives.WriteUInt32BigEndian(into[1..], (uint)v);
                return 5;
            }

            into[0] = 0xcf;
            BinaryPrimitives.WriteUInt64BigEndian(into[1..], (ulong)v);
            return 9;
        }

        if (v >= -32)
        {
            into[0] = (byte)(sbyte)v;
            return 1;
        }

        if (v >= sbyte.MinValue)
        {
            into[0] = 0xd0;
            into[1] = (byte)(sbyte)v;
            return 2;
        }

        if (v >= short.MinValue)
        {
            into[0] = 0xd1;
            BinaryPrimitives.WriteInt16BigEndian(into[1..], (short)v);
            return 3;
        }

        if (v >= int.MinValue)
        {
            into[0] = 0xd2;
            BinaryPrimitives.WriteInt32BigEndian(into[1..], (int)v);
            return 5;
        }

        into[0] = 0xd3;
        BinaryPrimitives.WriteInt64BigEndian(into[1..], v);
        return 9;
    }

    private static bool TryReadInteger(ReadOnlySpan<byte> b, out long v)
    {
        v = 0;
        if (b.IsEmpty)
        {
            return false;
        }

        byte code = b[0];
        if (code <= 0x7f || code >= 0xe0)
        {
            v = (sbyte)code;
            v = code <= 0x7f ? code : v;
            return b.Length == 1;
        }

        switch (code)
        {
            case 0xcc when b.Length == 2:
                v = b[1];
                return true;
            case 0xcd when b.Length == 3:
                v = BinaryPrimitives.ReadUInt16BigEndian(b[1..]);
                return true;
            case 0xce when b.Length == 5:
                v = BinaryPrimitives.ReadUInt32BigEndian(b[1..]);
                return true;
            case 0xcf when b.Length == 9:
                ulong u = BinaryPrimitives.ReadUInt64BigEndian(b[1..]);
                v = (long)u;
                return u <= long.MaxValue;
            case 0xd0 when b.Length == 2:
                v = (sbyte)b[1];
                return true;
            case 0xd1 when b.Length == 3:
                v = BinaryPrimitives.ReadInt16BigEndian(b[1..]);
                return true;
            case 0xd2 when b.Length == 5:
                v = BinaryPrimitives.ReadInt32BigEndian(b[1..]);
                return true;
            case 0xd3 when b.Length == 9:
                v = BinaryPrimitives.ReadInt64BigEndian(b[1..]);
                return true;
            default:
                return false;
        }
    }

    private static int WriteBinaryHeader(byte[]? bytes, Span<byte> into)
    {
        if (bytes is null)
        {
            into[0] = 0xc0;
            return 1;
        }

        if (bytes.Length <= byte.MaxValue)
        {
            into[0] = 0xc4;
            into[1] = (byte)bytes.Length;
            return 2;
        }

        if (bytes.Length <= ushort.MaxValue)
        {
            into[0] = 0xc5;
            BinaryPrimitives.WriteUInt16BigEndian(into[1..], (ushort)bytes.Length);
            return 3;
        }

        into[0] = 0xc6;
        BinaryPrimitives.WriteUInt32BigEndian(into[1..], (uint)bytes.Length);
        return 5;
    }

    private static bool TryReadBinary(ReadOnlySpan<byte> b, out byte[]? array)
    {
        array = null;
        if (!TryLocateBinary(b, out int header, out bool isNull))
        {
            return false;
        }

        if (!isNull)
        {
            array = GC.AllocateUninitializedArray<byte>(b.Length - header); // Filled right away: no need to zero it first.
            b[header..].CopyTo(array);
        }

        return true;
    }

    /// <summary>
    /// Where the bytes of an encoded byte array start in <paramref name="b"/>: they run from
    /// <paramref name="header"/> to the end. False if <paramref name="b"/> is not exactly one byte array (or nil).
    /// </summary>
    /// <param name="b">The encoding.</param>
    /// <param name="header">The header's length.</param>
    /// <param name="isNull">The encoding is nil (a null array).</param>
    public static bool TryLocateBinary(ReadOnlySpan<byte> b, out int header, out bool isNull)
    {
        header = 0;
        isNull = false;
        if (b.IsEmpty)
        {
            return false;
        }

        if (b[0] == 0xc0)
        {
            isNull = true;
            header = 1;
            return b.Length == 1;
        }

        long length;
        (header, length) = b[0] switch
        {
            0xc4 when b.Length >= 2 => (2, b[1]),
            0xc5 when b.Length >= 3 => (3, BinaryPrimitives.ReadUInt16BigEndian(b[1..])),
            0xc6 when b.Length >= 5 => (5, (long)BinaryPrimitives.ReadUInt32BigEndian(b[1..])),
            _ => (0, -1L),
        };
        return length >= 0 && b.Length - header == length;
    }
}
