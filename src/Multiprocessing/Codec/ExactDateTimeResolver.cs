using MessagePack;

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
internal static class ExactDateTimeResolver
{
    public static readonly IFormatterResolver Instance = new ValueTypeResolver<DateTime>(ExactDateTimeFormatter.Instance);
}
