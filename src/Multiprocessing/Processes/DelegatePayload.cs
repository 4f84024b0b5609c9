using System.Buffers;
using System.Reflection;
using MessagePack;
using Multiprocessing.Codec;

namespace Multiprocessing.Processes;

/// <summary>What a child needs to know about itself before it runs its target.</summary>
internal sealed record ChildIdentity(string Name, bool Daemon, int ParentPid);

/// <summary>A decoded call: the method, its target object (null for static methods) and its arguments.</summary>
internal sealed record DecodedCall(ChildIdentity Identity, MethodInfo Method, object? Target, object?[] Args);

/// <summary>
/// Encodes a delegate call for a child process: the method by assembly, module version id and token; the
/// target (closure or <c>this</c>) field by field; each argument as its parameter's declared type.
/// Everything is encoded in the caller, so that a value that cannot cross fails there, by name.
/// </summary>
internal static class DelegatePayload
{
    private const int FormatVersion = 1;

    /// <exception cref="ArgumentException">The target or an argument cannot be encoded.</exception>
    public static byte[] Encode(ChildIdentity identity, Delegate target, ReadOnlySpan<object?> args)
    {
        MethodInfo method = target.Method;
        object? instance = target.Target;
        ParameterInfo[] parameters = method.GetParameters();

        // A delegate closed over its first argument (an extension method bound to a value) calls a static
        // method whose first parameter is the target: send it as an argument.
        object?[] allArgs = args.ToArray();
        if (method.IsStatic && instance is not null)
        {
            allArgs = [instance, .. allArgs];
            instance = null;
        }

        if (parameters.Length != allArgs.Length)
        {
            throw new ArgumentException($"The method {method.Name} takes {parameters.Length} arguments but {allArgs.Length} were given.", nameof(args));
        }

        var refs = new TypeRefs();
        var body = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(3);
        try
        {
            refs.WriteMethod(ref writer, method);
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException($"The method {method.DeclaringType}.{method.Name} cannot run in a child process: {e.Message}", nameof(target), e);
        }

        if (instance is null)
        {
            writer.WriteNil();
        }
        else
        {
            Type type = instance.GetType();
            writer.WriteArrayHeader(2);
            refs.WriteType(ref writer, type);
            try
            {
                WireCodec.Serialize(ref writer, type, instance);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                string what = TypeNames.IsCompilerGenerated(type)
                    ? "the delegate's captured variables"
                    : "the delegate's target object";
                throw WireCodec.EncodeFailure(what, nameof(target), type, e);
            }
        }

        writer.WriteArrayHeader(allArgs.Length);
        for (int i = 0; i < allArgs.Length; i++)
        {
            Type type = parameters[i].ParameterType;
            try
            {
                WireCodec.Serialize(ref writer, type, allArgs[i]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw WireCodec.EncodeFailure($"argument '{parameters[i].Name}'", $"arg{i + 1}", type, e);
            }
        }

        writer.Flush();

        var output = new ArrayBufferWriter<byte>(body.WrittenCount + 256);
        var head = new MessagePackWriter(output);
        head.WriteArrayHeader(6);
        head.Write(FormatVersion);
        head.Write(identity.Name);
        head.Write(identity.Daemon);
        head.Write(identity.ParentPid);
        refs.WriteTable(ref head);
        head.WriteRaw(body.WrittenSpan);
        head.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a payload in the child.</summary>
    /// <exception cref="VersionMismatchException">The child does not run the same builds as the parent.</exception>
    public static DecodedCall Decode(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        reader.ReadArrayHeader();
        int version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new VersionMismatchException($"The parent speaks payload format {version}, this child {FormatVersion}: the two run different builds of Multiprocessing.");
        }

        var identity = new ChildIdentity(reader.ReadString()!, reader.ReadBoolean(), reader.ReadInt32());
        Assembly[] table = TypeRefs.ReadTable(ref reader);
        reader.ReadArrayHeader();
        MethodInfo method = TypeRefs.ReadMethod(ref reader, table);
        object? target = null;
        if (!reader.TryReadNil())
        {
            reader.ReadArrayHeader();
            Type type = TypeRefs.ReadType(ref reader, table);
            target = WireCodec.Deserialize(ref reader, type);
        }

        ParameterInfo[] parameters = method.GetParameters();
        int count = reader.ReadArrayHeader();
        if (count != parameters.Length)
        {
            throw new InvalidDataException($"The payload carries {count} arguments for {method.Name}, which takes {parameters.Length}.");
        }

        var args = new object?[count];
        for (int i = 0; i < count; i++)
        {
            args[i] = WireCodec.Deserialize(ref reader, parameters[i].ParameterType);
        }

        return new DecodedCall(identity, method, target, args);
    }
}
