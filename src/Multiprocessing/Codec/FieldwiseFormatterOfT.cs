using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

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
                    throw CodecException.AtField(e, field);
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
