using System.Numerics;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Serves <see cref="BigInteger"/> and <c>BigInteger?</c> with <see cref="BigIntegerBytesFormatter"/> ahead of
/// MessagePack's built-in formatter, which fails to encode a value at the start of a buffer (it slices past the
/// end of the span it is given), so a <see cref="BigInteger"/> could never be returned.
/// </summary>
internal sealed class BigIntegerResolver : IFormatterResolver
{
    public static readonly BigIntegerResolver Instance = new();

    private static readonly IMessagePackFormatter<BigInteger?> Nullable = new StaticNullableFormatter<BigInteger>(BigIntegerBytesFormatter.Instance);

    public IMessagePackFormatter<T>? GetFormatter<T>() =>
        typeof(T) == typeof(BigInteger) ? (IMessagePackFormatter<T>)(object)BigIntegerBytesFormatter.Instance
        : typeof(T) == typeof(BigInteger?) ? (IMessagePackFormatter<T>)Nullable
        : null;
}
