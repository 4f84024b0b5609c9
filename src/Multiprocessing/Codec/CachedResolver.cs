using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>A resolver that asks <typeparamref name="TChoice"/> once per type which formatter serves it, and keeps the answer.</summary>
/// <typeparam name="TChoice">The rule.</typeparam>
internal sealed class CachedResolver<TChoice> : IFormatterResolver
    where TChoice : IFormatterChoice
{
    public static readonly CachedResolver<TChoice> Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = TChoice.Choose<T>();
    }
}
