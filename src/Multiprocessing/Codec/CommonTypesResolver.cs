using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Formatters for the types that cross most often (numbers, bool, string, byte[]), picked without building
/// MessagePack's <c>BuiltinResolver</c> table of a hundred formatters, whose start-up a child would otherwise pay
/// before decoding its first argument.
/// </summary>
internal abstract class CommonTypesResolver : IFormatterChoice
{
    public static readonly IFormatterResolver Instance = CachedResolver<CommonTypesResolver>.Instance;

    public static IMessagePackFormatter<T>? Choose<T>() => (IMessagePackFormatter<T>?)Find(typeof(T));

    private static object? Find(Type t) =>
        t == typeof(int) ? Int32Formatter.Instance
        : t == typeof(long) ? Int64Formatter.Instance
        : t == typeof(bool) ? BooleanFormatter.Instance
        : t == typeof(double) ? DoubleFormatter.Instance
        : t == typeof(string) ? NullableStringFormatter.Instance
        : t == typeof(byte[]) ? ByteArrayFormatter.Instance
        : t == typeof(float) ? SingleFormatter.Instance
        : t == typeof(uint) ? UInt32Formatter.Instance
        : t == typeof(ulong) ? UInt64Formatter.Instance
        : t == typeof(short) ? Int16Formatter.Instance
        : t == typeof(byte) ? ByteFormatter.Instance
        : t == typeof(char) ? CharFormatter.Instance
        : null;
}
