using System.Buffers;
using System.Reflection;
using MessagePack;
using Multiprocessing.Codec;

namespace Multiprocessing.Managers;

/// <summary>
/// The client side of a custom object: <see cref="DispatchProxy"/> makes a class that implements the interface
/// and sends every call here, which encodes the arguments as the parameters' declared types (in the caller, so an
/// argument that cannot cross fails here and nothing is sent), calls the manager on this proxy's own connection, and
/// decodes the result as the declared return type. Task-returning methods make the call on the thread pool and
/// return its task.
/// </summary>
/// <remarks>
/// Not sealed, and with a public constructor: <see cref="DispatchProxy"/> derives the proxy class from it. A proxy of
/// an interface that extends <see cref="IDisposable"/> derives from this class, and its <c>Dispose</c> comes to
/// <see cref="Invoke"/>; any other derives from <see cref="DisposableCustomProxy"/>, which adds <see cref="IDisposable"/>
/// (the generated class cannot implement an interface method that its base class already implements).
/// </remarks>
internal class CustomProxy : DispatchProxy
{
    private ManagerChannel channel = null!;
    private CustomInterface contract = null!;
    private long id;

    /// <summary>What the proxy crosses to another process as (see <see cref="ManagerChannel.Describe"/>).</summary>
    public string Descriptor => channel.Describe(id);

    /// <summary>A proxy of <paramref name="interfaceType"/> to object <paramref name="objectId"/>, calling through <paramref name="channel"/>.</summary>
    public static object Create(Type interfaceType, ManagerChannel channel, long objectId)
    {
        CustomInterface contract = CustomInterface.For(interfaceType);
        Type baseType = typeof(IDisposable).IsAssignableFrom(interfaceType) ? typeof(CustomProxy) : typeof(DisposableCustomProxy);
        object proxy = DispatchProxy.Create(interfaceType, baseType);
        var self = (CustomProxy)proxy;
        self.channel = channel;
        self.contract = contract;
        self.id = objectId;
        return proxy;
    }

    /// <summary>Closes this proxy's connection to the manager, which drops the object if nothing else holds it.</summary>
    public void Close() => channel.Dispose();

    /// <summary>The proxy, for messages.</summary>
    /// <returns>The interface, the object's id and the manager's address.</returns>
    public override string ToString() => $"{TypeNames.Display(contract.Type)} proxy #{id} at {Client.Describe(channel.Address)}";

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (CustomInterface.IsDispose(targetMethod))
        {
            Close();
            return null;
        }

        CustomMethod method = contract.Find(targetMethod);
        byte[] encoded = EncodeArguments(method, args ?? []);
        return method.WrapResult(() => Call(method, encoded));
    }

    private byte[] EncodeArguments(CustomMethod method, object?[] args)
    {
        if (args.Length == 0)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        for (int i = 0; i < args.Length; i++)
        {
            Type type = method.ParameterTypes[i];
            try
            {
                WireCodec.Serialize(ref writer, type, args[i]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw WireCodec.EncodeFailure($"argument '{method.ParameterNames[i]}' of {TypeNames.Display(contract.Type)}.{method.Method.Name}", method.ParameterNames[i], type, e);
            }
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private object? Call(CustomMethod method, byte[] encoded) => channel.Call(
        ManagerOp.CustomCall,
        id,
        (Method: method, Encoded: encoded),
        static (request, a) =>
        {
            request.WriteInt32(a.Method.Id);
            request.WriteBytes(a.Encoded);
        },
        static (reply, a) => a.Method.ResultType is { } type ? Decode(a.Method, type, reply.Rest) : null);

    private static object? Decode(CustomMethod method, Type type, ReadOnlySpan<byte> reply)
    {
        var reader = new MessagePackReader(reply.ToArray());
        try
        {
            return WireCodec.Deserialize(ref reader, type);
        }
        catch (Exception e) when (WireCodec.IsDecodeFailure(e))
        {
            throw WireCodec.DecodeFailure($"The result of {method.Method.Name} could not be decoded as {TypeNames.Display(type)}", e);
        }
    }
}
