using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Multiprocessing.Codec;

/// <summary>
/// The typed codec for everything that crosses a process boundary: MessagePack on the wire, the receiver's
/// declared type decides what is built. The wire never names a .NET type.
/// </summary>
/// <remarks>
/// Resolution order: MessagePack's built-in formatters (primitives, strings, arrays, collections, tuples,
/// <c>[MessagePackObject]</c> types), preceded by <see cref="ExactDateTimeResolver"/> (a <see cref="DateTime"/>
/// keeps its kind and ticks) and <see cref="BigIntegerResolver"/>, and with <see cref="EnumResolver"/> for enums of any visibility, then
/// the shared objects' and custom-object proxies' resolvers (which cross by descriptor), then
/// <see cref="FieldwiseResolver"/> (any class or struct of the user's own assemblies, field by field, as pickle
/// does), then <see cref="KnownObjectFormatter"/> for slots declared as
/// <see cref="object"/>, and finally <see cref="RejectingResolver"/>, which names the type that cannot cross.
/// </remarks>
internal static class WireCodec
{
    /// <summary>Deepest object graph a decode accepts: well above what the encoder lets through (<see cref="FieldwiseDepth.Max"/> objects, collections between them), well below a stack overflow.</summary>
    public const int MaximumDepth = 2000;

    /// <summary>
    /// Trusted data with a depth bound. The peers are a parent and its child (and later, connections that are
    /// authenticated before anything is decoded), so the hash-collision-resistant comparers of
    /// <see cref="MessagePackSecurity.UntrustedData"/> buy nothing, and they would refuse to decode dictionaries
    /// and sets keyed by records, structs or tuples, for which they have no comparer.
    /// </summary>
    private static readonly MessagePackSecurity Security = MessagePackSecurity.TrustedData.WithMaximumObjectGraphDepth(MaximumDepth);

    /// <summary>The options every encode and decode uses.</summary>
    /// <remarks>
    /// Built without touching <see cref="MessagePackSerializerOptions.Standard"/> or MessagePack's union and
    /// dynamic-object resolvers, whose start-up (a dynamic assembly, compiled regular expressions) costs a child
    /// process tens of milliseconds; <c>[Union]</c> types are not supported.
    /// </remarks>
    public static readonly MessagePackSerializerOptions Options = new MessagePackSerializerOptions(CompositeResolver.Create(
            [KnownObjectFormatter.Instance],
            [
                CommonTypesResolver.Instance,
                ExactDateTimeResolver.Instance,
                BigIntegerResolver.Instance,
                BuiltinResolver.Instance,
                AttributeFormatterResolver.Instance,
                EnumResolver.Instance,
                DynamicGenericResolver.Instance,
                AttributedObjectResolver.Instance,
                Shared.SharedObjectResolver.Instance,
                Managers.CustomProxyResolver.Instance,
                FieldwiseResolver.Instance,
                RejectingResolver.Instance,
            ]))
        .WithSecurity(Security);

    /// <summary>Builds the options and the formatters most calls need (run on a spare thread in a starting child).</summary>
    public static void Prewarm()
    {
        IFormatterResolver resolver = Options.Resolver;
        _ = resolver.GetFormatter<int>();
        _ = resolver.GetFormatter<string>();
        _ = resolver.GetFormatter<object>();
    }

    /// <summary>Encodes <paramref name="value"/> as its declared type <paramref name="type"/>.</summary>
    public static void Serialize(ref MessagePackWriter writer, Type type, object? value) =>
        BoxedCodec.Serialize(ref writer, type, value, Options);

    /// <summary>Decodes a value of the declared type <paramref name="type"/>.</summary>
    public static object? Deserialize(ref MessagePackReader reader, Type type) =>
        BoxedCodec.Deserialize(ref reader, type, Options);

    /// <summary>Encodes <paramref name="value"/> as <typeparamref name="T"/> into <paramref name="output"/>.</summary>
    /// <remarks>The commonest types take <see cref="FastCodec"/>'s way: the same bytes, without the formatters.</remarks>
    public static void Serialize<T>(IBufferWriter<byte> output, T value)
    {
        if (FastCodec.Handles<T>())
        {
            output.Advance(FastCodec.Write(value, output.GetSpan(FastCodec.MaxScalarSize), out ReadOnlySpan<byte> body));
            output.Write(body);
            return;
        }

        SerializeCore(output, value);
    }

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes) =>
        FastCodec.Handles<T>() && FastCodec.TryRead(bytes.Span, out T fast) ? fast : DeserializeCore<T>(bytes);

    /// <summary>Decodes a <typeparamref name="T"/> from a span (copied first unless it takes <see cref="FastCodec"/>'s way).</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> bytes) =>
        FastCodec.Handles<T>() && FastCodec.TryRead(bytes, out T fast) ? fast : DeserializeCore<T>(bytes.ToArray());

    // Straight to the formatter: MessagePackSerializer's own entry points would first build MessagePack's
    // standard resolver (a dynamic assembly, tens of milliseconds in a fresh child process).
    private static void SerializeCore<T>(IBufferWriter<byte> output, T value)
    {
        var writer = new MessagePackWriter(output);
        Options.Resolver.GetFormatterWithVerify<T>().Serialize(ref writer, value, Options);
        writer.Flush();
    }

    private static T DeserializeCore<T>(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        return Options.Resolver.GetFormatterWithVerify<T>().Deserialize(ref reader, Options);
    }

    /// <summary>
    /// Turns a failure to encode into the exception the caller sees: an <see cref="ArgumentException"/> naming
    /// the value (<paramref name="what"/>), the path to the field that failed, and its type.
    /// </summary>
    public static ArgumentException EncodeFailure(string what, string paramName, Type declared, Exception error)
    {
        CodecException? codec = null;
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is CodecException c)
            {
                codec = c;
                break;
            }
        }

        string message;
        if (codec is null)
        {
            message = $"Cannot encode {what} of type {TypeNames.Display(declared)} for another process: {Innermost(error).Message}";
        }
        else
        {
            string path = codec.Path.Count == 0 ? string.Empty : $", at {string.Join(" → ", codec.Path)}";
            message = $"Cannot encode {what} of type {TypeNames.Display(declared)} for another process{path}: {codec.Reason}";
        }

        return new ArgumentException(message, paramName, error);
    }

    /// <summary>
    /// Turns a failure to decode into the exception the receiver reports: an <see cref="InvalidDataException"/>
    /// whose message is <paramref name="what"/> followed by the innermost cause, with <paramref name="error"/> inside.
    /// </summary>
    public static InvalidDataException DecodeFailure(string what, Exception error)
    {
        Exception cause = Innermost(error);
        return new InvalidDataException($"{what}: {cause.GetType().Name}: {cause.Message}", error);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    /// <summary>Hands <c>[MessagePackObject]</c>-attributed types to MessagePack's own object resolver.</summary>
    private sealed class AttributedObjectResolver : IFormatterResolver
    {
        public static readonly AttributedObjectResolver Instance = new();

        public IMessagePackFormatter<T>? GetFormatter<T>() =>
            typeof(T).IsDefined(typeof(MessagePackObjectAttribute), inherit: false)
                ? DynamicObjectResolver.Instance.GetFormatter<T>()
                : null;
    }
}
