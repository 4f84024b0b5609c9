using System.Numerics;
using MessagePack;

namespace Multiprocessing.Codec;

/// <summary>
/// Serves <see cref="BigInteger"/>, <c>BigInteger?</c> and <c>BigInteger[]</c> with <see cref="BigIntegerBytesFormatter"/> ahead of
/// MessagePack's built-in formatter, which fails to encode a value at the start of a buffer (it slices past the
/// end of the span it is given), so a <see cref="BigInteger"/> could never be returned.
/// </summary>
internal static class BigIntegerResolver
{
    public static readonly IFormatterResolver Instance = new ValueTypeResolver<BigInteger>(BigIntegerBytesFormatter.Instance);
}
