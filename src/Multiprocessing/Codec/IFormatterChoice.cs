using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>A rule that says which formatter, if any, serves a type (asked once per type by <see cref="CachedResolver{TChoice}"/>).</summary>
internal interface IFormatterChoice
{
    /// <summary>The formatter of <typeparamref name="T"/>, or null if this rule does not serve it.</summary>
    /// <typeparam name="T">The type to encode.</typeparam>
    /// <returns>The formatter, or null.</returns>
    static abstract IMessagePackFormatter<T>? Choose<T>();
}
