using System.Collections.Concurrent;
using MessagePack;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes and decodes values whose type is known only at run time, through the typed formatter of that type.
/// Cheaper to set up than MessagePack's own non-generic API, which compiles expression trees: this matters in a
/// child process, where every millisecond of first-call cost is start-up time.
/// </summary>
internal static class BoxedCodec
{
    private static readonly ConcurrentDictionary<Type, Entry> Entries = new();

    public delegate void Writer(ref MessagePackWriter writer, object? value, MessagePackSerializerOptions options);

    public delegate object? Reader(ref MessagePackReader reader, MessagePackSerializerOptions options);

    public static void Serialize(ref MessagePackWriter writer, Type type, object? value, MessagePackSerializerOptions options) =>
        Get(type).Write(ref writer, value, options);

    public static object? Deserialize(ref MessagePackReader reader, Type type, MessagePackSerializerOptions options) =>
        Get(type).Read(ref reader, options);

    private static Entry Get(Type type) => Entries.GetOrAdd(type, static t =>
    {
        Type typed = typeof(Typed<>).MakeGenericType(t);
        return new Entry(
            typed.GetMethod(nameof(Typed<int>.Write))!.CreateDelegate<Writer>(),
            typed.GetMethod(nameof(Typed<int>.Read))!.CreateDelegate<Reader>());
    });

    private sealed record Entry(Writer Write, Reader Read);

    private static class Typed<T>
    {
        public static void Write(ref MessagePackWriter writer, object? value, MessagePackSerializerOptions options) =>
            options.Resolver.GetFormatterWithVerify<T>().Serialize(ref writer, (T)value!, options);

        public static object? Read(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            options.Resolver.GetFormatterWithVerify<T>().Deserialize(ref reader, options);
    }
}
