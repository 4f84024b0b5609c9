using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Serves <see cref="DateTime"/>, <c>DateTime?</c> and <c>DateTime[]</c> with <see cref="ExactDateTimeFormatter"/>
/// ahead of MessagePack's built-in formatter, which writes a timestamp: it turns every value into UTC, so that
/// <see cref="DateTimeKind.Local"/> and <see cref="DateTimeKind.Unspecified"/> values come back as
/// <see cref="DateTimeKind.Utc"/>, and local ones shifted.
/// </summary>
/// <remarks>
/// Every other place a <see cref="DateTime"/> can be (a field, a list, a dictionary key, a slot declared as
/// <see cref="object"/>) asks the options' resolver for its formatter, and so gets this one too.
/// </remarks>
internal sealed class ExactDateTimeResolver : IFormatterResolver
{
    public static readonly ExactDateTimeResolver Instance = new();

    private static readonly IMessagePackFormatter<DateTime?> NullableDateTime = new StaticNullableFormatter<DateTime>(ExactDateTimeFormatter.Instance);
    private static readonly IMessagePackFormatter<DateTime[]?> DateTimeArray = new ArrayFormatter<DateTime>();

    public IMessagePackFormatter<T>? GetFormatter<T>() =>
        typeof(T) == typeof(DateTime) ? (IMessagePackFormatter<T>)(object)ExactDateTimeFormatter.Instance
        : typeof(T) == typeof(DateTime?) ? (IMessagePackFormatter<T>)NullableDateTime
        : typeof(T) == typeof(DateTime[]) ? (IMessagePackFormatter<T>)DateTimeArray
        : null;
}
