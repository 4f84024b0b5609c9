using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Sharing;

/// <summary>Encodes shared objects by descriptor: the receiving process reopens the same object.</summary>
internal sealed class SharedObjectResolver : IFormatterResolver
{
    public static readonly SharedObjectResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>()
    {
        if (typeof(T) == typeof(Connection))
        {
            // Declared as the base: pipe ends cross by descriptor; other connections cannot cross.
            return (IMessagePackFormatter<T>)(object)ConnectionFormatter.Instance;
        }

        Type? iface = typeof(T).GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISharedObject<>));
        return iface is null
            ? null
            : (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(DescriptorFormatter<>).MakeGenericType(typeof(T)))!;
    }

    private sealed class DescriptorFormatter<T> : IMessagePackFormatter<T?>
        where T : class, ISharedObject<T>
    {
        public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
            }
            else
            {
                writer.Write(value.Descriptor);
            }
        }

        public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            reader.TryReadNil() ? null : Reopen(reader.ReadString()!);

        public static T Reopen(string descriptor) => T.Reopen(descriptor);
    }

    private sealed class ConnectionFormatter : IMessagePackFormatter<Connection?>
    {
        public static readonly ConnectionFormatter Instance = new();

        public void Serialize(ref MessagePackWriter writer, Connection? value, MessagePackSerializerOptions options)
        {
            switch (value)
            {
                case null:
                    writer.WriteNil();
                    break;
                case Connections.PipeConnection pipe:
                    writer.Write(((ISharedObject<Connections.PipeConnection>)pipe).Descriptor);
                    break;
                default:
                    throw new Codec.CodecException(Codec.RejectingResolver.Explain(value.GetType()));
            }
        }

        public Connection? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            reader.TryReadNil() ? null : DescriptorFormatter<Connections.PipeConnection>.Reopen(reader.ReadString()!);
    }
}
