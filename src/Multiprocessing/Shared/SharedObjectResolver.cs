using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Shared;

/// <summary>Encodes shared objects by descriptor: the receiving process reopens the same object.</summary>
internal sealed class SharedObjectResolver : IFormatterResolver
{
    public static readonly SharedObjectResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>()
    {
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
            reader.TryReadNil() ? null : T.Reopen(reader.ReadString()!);
    }
}
