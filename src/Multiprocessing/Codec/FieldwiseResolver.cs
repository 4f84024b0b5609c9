using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ConstrainedExecution;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes classes and structs of the application's own assemblies field by field (public and private, base
/// classes first), the way pickle copies an object's <c>__dict__</c>: closures, <c>this</c>, records and plain
/// classes cross without attributes. The receiver builds the declared type without running a constructor.
/// </summary>
internal sealed class FieldwiseResolver : IFormatterResolver
{
    public static readonly FieldwiseResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>() => Accepts(typeof(T)) ? FieldwiseFormatter<T>.Instance : null;

    private static bool Accepts(Type t) =>
        !TypeNames.IsFrameworkType(t) && !t.IsAbstract && !t.IsInterface && !t.IsArray && !t.IsPointer
        && !t.IsByRefLike && !t.IsGenericTypeDefinition && !t.ContainsGenericParameters
        && !typeof(Delegate).IsAssignableFrom(t)
        && t != typeof(Listener) // an open socket of this process: RejectingResolver says what to pass instead
        && !typeof(MarshalByRefObject).IsAssignableFrom(t)
        && !typeof(CriticalFinalizerObject).IsAssignableFrom(t);
}

/// <summary>Depth guard shared by every <see cref="FieldwiseFormatter{T}"/>, so that a cycle fails instead of overflowing the stack.</summary>
internal static class FieldwiseDepth
{
    public const int Max = 200;

    [ThreadStatic]
    private static int depth;

    public static void Enter()
    {
        if (++depth > Max)
        {
            depth--; // The frames below unwind through their finally blocks, each calling Exit: back to 0.
            throw new CodecException($"the object graph is deeper than {Max} levels or contains a cycle; only trees of values can cross");
        }
    }

    public static void Exit() => depth--;
}

/// <summary>Field-by-field formatter for one type. See <see cref="FieldwiseResolver"/>.</summary>
internal sealed class FieldwiseFormatter<T> : IMessagePackFormatter<T>
{
    public static readonly FieldwiseFormatter<T> Instance = new();

    private static readonly FieldInfo[] Fields = CollectFields(typeof(T));

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        if (!typeof(T).IsValueType && value.GetType() != typeof(T))
        {
            throw new CodecException(
                $"the value is a {TypeNames.Display(value.GetType())} but is declared as {TypeNames.Display(typeof(T))}; " +
                "only the declared type crosses, so declare the field or parameter with the exact type");
        }

        FieldwiseDepth.Enter();
        try
        {
            object boxed = value;
            writer.WriteArrayHeader(Fields.Length);
            foreach (FieldInfo field in Fields)
            {
                try
                {
                    WireCodec.Serialize(ref writer, field.FieldType, field.GetValue(boxed));
                }
                catch (Exception e)
                {
                    throw WithField(e, field);
                }
            }
        }
        finally
        {
            FieldwiseDepth.Exit();
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return default!;
        }

        options.Security.DepthStep(ref reader);
        int count = reader.ReadArrayHeader();
        if (count != Fields.Length)
        {
            throw new MessagePackSerializationException(
                $"{TypeNames.Display(typeof(T))} has {Fields.Length} fields here but {count} in the sending process: the two processes run different builds.");
        }

        object instance = RuntimeHelpers.GetUninitializedObject(typeof(T));
        foreach (FieldInfo field in Fields)
        {
            field.SetValue(instance, WireCodec.Deserialize(ref reader, field.FieldType));
        }

        reader.Depth--;
        return (T)instance;
    }

    private static CodecException WithField(Exception error, FieldInfo field)
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

        if (codec is null)
        {
            Exception inner = error;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            codec = new CodecException(inner.Message, error);
        }

        codec.Path.Insert(0, $"{TypeNames.Field(field)} ({TypeNames.Display(field.FieldType)})");
        return codec;
    }

    private static FieldInfo[] CollectFields(Type type)
    {
        var chain = new Stack<Type>();
        for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            chain.Push(t);
        }

        var fields = new List<FieldInfo>();
        foreach (Type t in chain)
        {
            fields.AddRange(t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .OrderBy(f => f.MetadataToken));
        }

        return [.. fields];
    }
}
