using System.Buffers;
using System.Runtime.CompilerServices;
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
                Sharing.SharedObjectResolver.Instance,
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes) =>
        FastCodec.Handles<T>() && FastCodec.TryRead(bytes.Span, out T fast) ? fast : DeserializeCore<T>(bytes);

    /// <summary>Decodes a <typeparamref name="T"/> from a span (copied first unless it takes <see cref="FastCodec"/>'s way).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    /// the value (<paramref name="what"/>), the path to the field that failed, and its type; then
    /// <paramref name="advice"/>, a sentence saying what to do instead, if given.
    /// </summary>
    public static ArgumentException EncodeFailure(string what, string paramName, Type declared, Exception error, string? advice = null)
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
            string path = codec.Path.Count == 0 ? string.Empty : $", at {FormatPath(codec.Path)}";
            message = $"Cannot encode {what} of type {TypeNames.Display(declared)} for another process{path}: {codec.Reason}";
        }

        if (advice is not null)
        {
            message = message.TrimEnd('.') + "." + advice;
        }

        return new ArgumentException(message, paramName, error);
    }

    /// <summary>
    /// Encodes a target's return value as its declared type <paramref name="type"/>, for a <see cref="ChildProcess"/>
    /// and for a process pool's worker alike: a value that cannot cross throws <see cref="EncodeFailure"/>'s
    /// <see cref="ArgumentException"/>, which names the type and the path to the field that failed.
    /// </summary>
    /// <exception cref="ArgumentException">The value cannot be encoded.</exception>
    public static void SerializeReturnValue(ref MessagePackWriter writer, Type type, object? value)
    {
        try
        {
            Serialize(ref writer, type, value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw EncodeFailure("the return value", "result", type, e);
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/>, thrown while decoding, means that the bytes are not a value of the declared
    /// type: truncated (<see cref="EndOfStreamException"/>), another type or junk
    /// (<see cref="MessagePackSerializationException"/>, <see cref="InvalidOperationException"/>), an integer out
    /// of the declared type's range (<see cref="OverflowException"/>), nested too deep
    /// (<see cref="InsufficientExecutionStackException"/>), or refused by the type's own constructor (an
    /// <see cref="ArgumentException"/>, for instance). Every decoding call site catches exactly these and reports
    /// them through <see cref="DecodeFailure"/>, so that any undecodable payload gives one exception type,
    /// <see cref="InvalidDataException"/>, with the cause inside.
    /// </summary>
    /// <remarks>
    /// Not included: what a well-formed value that names something gone raises while it is rebuilt (a shared
    /// object's segment removed: <see cref="FileNotFoundException"/>; made by another build:
    /// <see cref="VersionMismatchException"/>), <see cref="InvalidDataException"/> itself, and
    /// <see cref="ObjectDisposedException"/>.
    /// </remarks>
    public static bool IsDecodeFailure(Exception error) =>
        error is MessagePackSerializationException or CodecException or EndOfStreamException or ArithmeticException
            or FormatException or ArgumentException or InvalidCastException or IndexOutOfRangeException
            or InsufficientExecutionStackException or NullReferenceException or KeyNotFoundException or NotSupportedException
        || (error is InvalidOperationException && error is not ObjectDisposedException);

    /// <summary>
    /// Turns a failure to decode into the exception the receiver reports: an <see cref="InvalidDataException"/>
    /// whose message is <paramref name="what"/> followed by the innermost cause, with <paramref name="error"/> inside.
    /// </summary>
    public static InvalidDataException DecodeFailure(string what, Exception error)
    {
        Exception cause = Innermost(error);
        return new InvalidDataException($"{what}: {cause.GetType().Name}: {cause.Message}", error);
    }

    /// <summary>
    /// The path to the field that failed, outermost first, joined by arrows. A run of one field repeated (a cycle,
    /// or a chain too deep to encode: <c>Next (Node)</c> 200 times) is written once with its count, and so is a
    /// repeated group of a few fields (a cycle through several types); what is still too long keeps its two ends.
    /// </summary>
    internal static string FormatPath(IReadOnlyList<string> path)
    {
        const int MaxPeriod = 8;
        const int MaxParts = 12;
        var parts = new List<string>();
        int i = 0;
        while (i < path.Count)
        {
            // The group of 1 to MaxPeriod fields at i that repeats most (covering the most fields), if it repeats at all.
            int bestPeriod = 1, bestCount = 1;
            for (int period = 1; period <= MaxPeriod && i + (2 * period) <= path.Count; period++)
            {
                int count = 1;
                while (i + ((count + 1) * period) <= path.Count && SameGroup(path, i, i + (count * period), period))
                {
                    count++;
                }

                if (count > 1 && count * period > bestCount * bestPeriod)
                {
                    (bestPeriod, bestCount) = (period, count);
                }
            }

            if (bestCount < 3)
            {
                parts.Add(path[i]);
                i++;
                continue;
            }

            string group = string.Join(" → ", Enumerable.Range(i, bestPeriod).Select(k => path[k]));
            parts.Add(bestPeriod == 1 ? $"{group} ×{bestCount}" : $"({group}) ×{bestCount}");
            i += bestPeriod * bestCount;
        }

        if (parts.Count > MaxParts)
        {
            int omitted = parts.Count - MaxParts + 1;
            parts = [.. parts.Take(MaxParts / 2), $"… {omitted} more …", .. parts.Skip(parts.Count - (MaxParts / 2) + 1)];
        }

        return string.Join(" → ", parts);

        static bool SameGroup(IReadOnlyList<string> p, int a, int b, int length)
        {
            for (int k = 0; k < length; k++)
            {
                if (p[a + k] != p[b + k])
                {
                    return false;
                }
            }

            return true;
        }
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
