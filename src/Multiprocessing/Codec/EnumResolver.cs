using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Gives every enum type, public or not, an <see cref="EnumFormatter{T}"/>. Takes the place of MessagePack's
/// <c>DynamicEnumResolver</c>, which emits a public formatter type into a dynamic assembly and so fails for the
/// non-public enums most applications declare.
/// </summary>
/// <remarks>
/// Nullable enums and enums inside collections (as elements or dictionary keys) reach this resolver too: the
/// formatters of <c>T?</c>, <c>List&lt;T&gt;</c> or <c>Dictionary&lt;TKey, TValue&gt;</c> ask the options'
/// resolver for the formatter of their element type.
/// </remarks>
internal abstract class EnumResolver : IFormatterChoice
{
    public static readonly IFormatterResolver Instance = CachedResolver<EnumResolver>.Instance;

    public static IMessagePackFormatter<T>? Choose<T>() => typeof(T).IsEnum ? new EnumFormatter<T>() : null;
}
