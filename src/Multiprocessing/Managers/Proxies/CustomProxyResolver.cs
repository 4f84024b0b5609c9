using MessagePack;
using MessagePack.Formatters;
using Multiprocessing.Codec;

namespace Multiprocessing.Managers;

/// <summary>
/// Encodes values declared as an interface of the application's own assemblies when they are custom-object proxies
/// (<see cref="Manager.Create{TInterface}(string?)"/>): they cross as the manager's address, key and the object's
/// id, and the receiver makes a proxy of the declared interface that connects to the same manager. Any other value
/// of such a slot cannot cross, as before.
/// </summary>
internal sealed class CustomProxyResolver : IFormatterResolver
{
    public static readonly CustomProxyResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>() =>
        typeof(T).IsInterface && !typeof(T).ContainsGenericParameters && !TypeNames.IsFrameworkType(typeof(T))
            ? ProxyFormatter<T>.Instance
            : null;

    private sealed class ProxyFormatter<T> : IMessagePackFormatter<T>
    {
        public static readonly ProxyFormatter<T> Instance = new();

        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            switch (value)
            {
                case null:
                    writer.WriteNil();
                    break;
                case CustomProxy proxy:
                    writer.Write(proxy.Descriptor);
                    break;
                default:
                    throw new CodecException(
                        $"{RejectingResolver.Explain(typeof(T))} (only a proxy made by Manager.Create<{TypeNames.Display(typeof(T))}>() crosses as this interface, to the same object)");
            }
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return default!;
            }

            ManagerChannel channel = ManagerChannel.FromDescriptor(reader.ReadString()!, out long objectId);
            return (T)CustomProxy.Create(typeof(T), channel, objectId);
        }
    }
}
