using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Serves <typeparamref name="TValue"/>, <c>TValue?</c> and <c>TValue[]</c> with one formatter, ahead of the
/// formatter MessagePack would pick for them (see <see cref="BigIntegerResolver"/> and
/// <see cref="ExactDateTimeResolver"/> for why).
/// </summary>
/// <typeparam name="TValue">The value type served.</typeparam>
/// <param name="formatter">The formatter of <typeparamref name="TValue"/>; the nullable form and the array wrap it.</param>
internal sealed class ValueTypeResolver<TValue>(IMessagePackFormatter<TValue> formatter) : IFormatterResolver
    where TValue : struct
{
    private readonly IMessagePackFormatter<TValue?> nullable = new StaticNullableFormatter<TValue>(formatter);
    private readonly IMessagePackFormatter<TValue[]?> array = new ArrayFormatter<TValue>();

    public IMessagePackFormatter<T>? GetFormatter<T>() =>
        typeof(T) == typeof(TValue) ? (IMessagePackFormatter<T>)formatter
        : typeof(T) == typeof(TValue?) ? (IMessagePackFormatter<T>)nullable
        : typeof(T) == typeof(TValue[]) ? (IMessagePackFormatter<T>)array
        : null;
}
