using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using Multiprocessing.Codec;

namespace Multiprocessing.Processes;

/// <summary>
/// Encodes a delegate call for a child process: the method by assembly, module version id and token; the
/// target (closure or <c>this</c>) field by field; each argument as its parameter's declared type.
/// Everything is encoded in the caller, so that a value that cannot cross fails there, by name.
/// </summary>
/// <remarks>
/// The envelope is written with <see cref="BinaryWriter"/> (precompiled in the framework); the codec is used only
/// for the target's fields and the arguments, and not at all for a call that has neither, so that a child which
/// runs a plain method starts without loading or compiling the codec.
/// </remarks>
internal static class DelegatePayload
{
    private const int FormatVersion = 5;

    /// <summary>Flag bits of the byte after the version: the call uses the codec; a trace context follows the identity.</summary>
    private const byte UsesCodecFlag = 1;
    private const byte TracedFlag = 2;

    private enum TargetKind : byte
    {
        None = 0,
        Empty = 1,
        Encoded = 2,

        /// <summary>A closure of which only the fields the method reads are sent (<see cref="ClosureReads"/>).</summary>
        Read = 3,
    }

    private static readonly ConcurrentDictionary<Type, FieldInfo[]> ClosureFields = new();

    /// <summary>Marks a payload that carries the function only; its arguments travel separately (pool tasks).</summary>
    private const int ArgumentsApart = -1;

    /// <exception cref="ArgumentException">The target or an argument cannot be encoded.</exception>
    public static byte[] Encode(ChildIdentity identity, Delegate target, ReadOnlySpan<object?> args) =>
        Encode(identity, target, args.ToArray(), withArgs: true);

    /// <summary>Encodes a delegate's method and target only, for calls whose arguments are encoded one by one (a pool's tasks).</summary>
    /// <exception cref="ArgumentException">The target cannot be encoded, or the delegate is a static method closed over its first argument.</exception>
    public static byte[] EncodeFunction(Delegate target)
    {
        if (target.Method.IsStatic && target.Target is not null)
        {
            throw new ArgumentException($"A delegate of the static method {target.Method.Name} bound to its first argument cannot run in a pool; use a lambda.", nameof(target));
        }

        return Encode(new ChildIdentity(string.Empty, false, 0), target, [], withArgs: false);
    }

    /// <summary>Decodes a payload made by <see cref="EncodeFunction"/>: the method and its target.</summary>
    /// <exception cref="VersionMismatchException">The child does not run the same builds as the parent.</exception>
    public static (MethodInfo Method, object? Target) DecodeFunction(byte[] payload)
    {
        DecodedCall call = Decode(payload);
        return (call.Method, call.Target);
    }

    private static byte[] Encode(ChildIdentity identity, Delegate target, object?[] args, bool withArgs)
    {
        MethodInfo method = target.Method;
        object? instance = target.Target;
        ParameterInfo[] parameters = method.GetParameters();

        // A delegate closed over its first argument (an extension method bound to a value) calls a static
        // method whose first parameter is the target: send it as an argument.
        object?[] allArgs = args;
        if (method.IsStatic && instance is not null)
        {
            allArgs = [instance, .. allArgs];
            instance = null;
        }

        if (withArgs && parameters.Length != allArgs.Length)
        {
            throw new ArgumentException($"The method {method.Name} takes {parameters.Length} arguments but {allArgs.Length} were given.", nameof(args));
        }

        var refs = new TypeRefs();
        bool usesCodec = allArgs.Length > 0 || method.ReturnType != typeof(void) && method.ReturnType != typeof(Task);
        using var bodyStream = new MemoryStream();
        using (var body = new BinaryWriter(bodyStream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            try
            {
                refs.WriteMethod(body, method);
            }
            catch (NotSupportedException e)
            {
                throw new ArgumentException($"The method {method.DeclaringType}.{method.Name} cannot run in a child process: {e.Message}", nameof(target), e);
            }

            usesCodec |= WriteTarget(body, refs, instance, method);
            if (withArgs)
            {
                WriteArgs(body, parameters, allArgs);
            }
            else
            {
                body.Write(ArgumentsApart);
            }
        }

        using var output = new MemoryStream();
        using (var head = new BinaryWriter(output, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            head.Write(FormatVersion);
            head.Write((byte)((usesCodec ? UsesCodecFlag : 0) | (identity.TraceContext is null ? 0 : TracedFlag)));
            head.Write(identity.Name);
            head.Write(identity.Daemon);
            head.Write(identity.ParentPid);
            if (identity.TraceContext is { } trace)
            {
                head.Write(trace);
            }

            refs.WriteTable(head);
            head.Write(bodyStream.GetBuffer(), 0, (int)bodyStream.Length);
        }

        return output.ToArray();
    }

    /// <summary>Whether decoding this payload, or encoding its result, needs the codec (which a child then warms up in parallel).</summary>
    public static bool UsesCodec(byte[] payload) => payload.Length > sizeof(int) && (payload[sizeof(int)] & UsesCodecFlag) != 0;

    /// <summary>Decodes a payload in the child.</summary>
    /// <exception cref="VersionMismatchException">The child does not run the same builds as the parent.</exception>
    public static DecodedCall Decode(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false));
        int version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new VersionMismatchException($"The parent speaks payload format {version}, this child {FormatVersion}: the two run different builds of Multiprocessing.");
        }

        byte flags = reader.ReadByte(); // Its UsesCodecFlag was read by UsesCodec before the payload is decoded.
        var identity = new ChildIdentity(reader.ReadString(), reader.ReadBoolean(), reader.ReadInt32());
        if ((flags & TracedFlag) != 0)
        {
            identity = identity with { TraceContext = ReadTraceContext(reader) };
        }

        Assembly[] table = TypeRefs.ReadTable(reader);
        MethodInfo method = TypeRefs.ReadMethod(reader, table);

        object? target = null;
        var kind = (TargetKind)reader.ReadByte();
        if (kind != TargetKind.None)
        {
            Type type = TypeRefs.ReadType(reader, table);
            if (kind == TargetKind.Empty)
            {
                target = RuntimeHelpers.GetUninitializedObject(type);
            }
            else if (kind == TargetKind.Read)
            {
                target = DecodeClosure(reader.ReadBytes(reader.ReadInt32()), type);
            }
            else
            {
                target = DecodeTarget(reader.ReadBytes(reader.ReadInt32()), type);
            }
        }

        ParameterInfo[] parameters = method.GetParameters();
        int count = reader.ReadInt32();
        if (count == ArgumentsApart)
        {
            return new DecodedCall(identity, method, target, []);
        }

        if (count != parameters.Length)
        {
            throw new InvalidDataException($"The payload carries {count} arguments for {method.Name}, which takes {parameters.Length}.");
        }

        object?[] args = count > 0 ? DecodeArgs(reader.ReadBytes(reader.ReadInt32()), parameters) : [];
        return new DecodedCall(identity, method, target, args);
    }

    /// <summary>Reads the trace context that follows the identity (its length is in its own bytes).</summary>
    private static byte[] ReadTraceContext(BinaryReader reader)
    {
        long start = reader.BaseStream.Position;
        byte[] head = reader.ReadBytes(Diagnostics.TraceContextWire.MinLength);
        reader.BaseStream.Position = start;
        return reader.ReadBytes(Diagnostics.TraceContextWire.LengthOf(head, complete: false));
    }

    // The codec's parts of Decode, in methods of their own: a call with nothing to decode never loads the codec.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object? DecodeTarget(byte[] bytes, Type type)
    {
        var blob = new MessagePackReader(bytes);
        return WireCodec.Deserialize(ref blob, type);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object? DecodeClosure(byte[] bytes, Type type)
    {
        var blob = new MessagePackReader(bytes);
        return ReadClosure(ref blob, type, 0);
    }

    /// <summary>Rebuilds a closure sent by <see cref="WriteClosure"/>: the fields sent are set, the others left default.</summary>
    private static object? ReadClosure(ref MessagePackReader reader, Type type, int depth)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (depth > FieldwiseDepth.Max)
        {
            throw new InvalidDataException($"The closures of the payload are nested deeper than {FieldwiseDepth.Max} levels.");
        }

        FieldInfo[] fields = FieldsOf(type);
        object closure = RuntimeHelpers.GetUninitializedObject(type);
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            int index = reader.ReadInt32();
            if ((uint)index >= (uint)fields.Length)
            {
                throw new InvalidDataException($"{TypeNames.Display(type)} has {fields.Length} fields here but the sending process sent field {index}: the two processes run different builds.");
            }

            FieldInfo field = fields[index];
            field.SetValue(closure, ClosureReads.IsDisplayClass(field.FieldType)
                ? ReadClosure(ref reader, field.FieldType, depth + 1)
                : WireCodec.Deserialize(ref reader, field.FieldType));
        }

        return closure;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object?[] DecodeArgs(byte[] bytes, ParameterInfo[] parameters)
    {
        var blob = new MessagePackReader(bytes);
        var args = new object?[parameters.Length];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = WireCodec.Deserialize(ref blob, parameters[i].ParameterType);
        }

        return args;
    }

    /// <summary>Writes the target; returns whether it needed the codec.</summary>
    private static bool WriteTarget(BinaryWriter body, TypeRefs refs, object? instance, MethodInfo method)
    {
        if (instance is null)
        {
            body.Write((byte)TargetKind.None);
            return false;
        }

        Type type = instance.GetType();
        ClosureReads? reads = ClosureReads.IsDisplayClass(type) ? ClosureReads.Of(method) : null;
        bool empty = reads is not null
            ? !FieldsOf(type).Any(reads.Reads) // A closure none of whose captures this lambda reads: other lambdas of its scope did.
            : !type.IsValueType && type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length == 0
                && !TypeNames.IsFrameworkType(type);
        body.Write((byte)(empty ? TargetKind.Empty : reads is not null ? TargetKind.Read : TargetKind.Encoded));
        refs.WriteType(body, type);
        if (empty)
        {
            return false; // A lambda that captures nothing (the compiler's <>c singleton), or a stateless object.
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        if (reads is not null)
        {
            WriteClosure(ref writer, instance, type, reads, type);
        }
        else
        {
            try
            {
                WireCodec.Serialize(ref writer, type, instance);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                string what = TypeNames.IsCompilerGenerated(type) ? "the delegate's captured variables" : "the delegate's target object";
                throw WireCodec.EncodeFailure(what, "target", type, e);
            }
        }

        writer.Flush();
        body.Write(buffer.WrittenCount);
        body.Write(buffer.WrittenSpan);
        return true;
    }

    /// <summary>
    /// Writes the fields of <paramref name="closure"/> that <paramref name="reads"/> says are read, as a map from
    /// the field's index to its value; a field that holds an enclosing scope's closure is written the same way.
    /// </summary>
    /// <exception cref="ArgumentException">A field that is read cannot cross: the message names the reader and what to do instead.</exception>
    private static void WriteClosure(ref MessagePackWriter writer, object closure, Type type, ClosureReads reads, Type root)
    {
        FieldInfo[] fields = FieldsOf(type);
        int count = 0;
        foreach (FieldInfo field in fields)
        {
            count += reads.Reads(field) ? 1 : 0;
        }

        writer.WriteMapHeader(count);
        for (int i = 0; i < fields.Length; i++)
        {
            FieldInfo field = fields[i];
            if (!reads.Reads(field))
            {
                continue;
            }

            writer.Write(i);
            object? value = field.GetValue(closure);
            if (ClosureReads.IsDisplayClass(field.FieldType) && (value is null || value.GetType() == field.FieldType))
            {
                if (value is null)
                {
                    writer.WriteNil();
                }
                else
                {
                    WriteClosure(ref writer, value, field.FieldType, reads, root);
                }

                continue;
            }

            try
            {
                WireCodec.Serialize(ref writer, field.FieldType, value);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw ReadCaptureFailure(field, reads.ReaderOf(field), root, e);
            }
        }
    }

    private static ArgumentException ReadCaptureFailure(FieldInfo field, MethodBase? reader, Type root, Exception error)
    {
        CodecException codec = CodecException.AtField(error, field);
        string who = reader is null ? "The delegate" : char.ToUpperInvariant(ClosureReads.Describe(reader)[0]) + ClosureReads.Describe(reader)[1..];
        string name = TypeNames.Field(field) is var shown && shown.StartsWith("captured variable ", StringComparison.Ordinal) ? shown[18..] : shown;
        string advice = $" {who} reads {name}, and what a lambda reads of its scope is copied to the other process: pass the value as an argument, " +
            "copy the part that can cross into a local before the lambda and read that, " +
            "or make the lambda static if it needs nothing of its scope.";
        return WireCodec.EncodeFailure("the delegate's captured variables", "target", root, codec, advice);
    }

    /// <summary>The instance fields of a closure class in declaration order (the index that <see cref="TargetKind.Read"/> sends).</summary>
    private static FieldInfo[] FieldsOf(Type type) =>
        ClosureFields.GetOrAdd(type, static t => [.. t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => f.MetadataToken)]);

    private static void WriteArgs(BinaryWriter body, ParameterInfo[] parameters, object?[] args)
    {
        body.Write(args.Length);
        if (args.Length == 0)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        for (int i = 0; i < args.Length; i++)
        {
            Type type = parameters[i].ParameterType;
            try
            {
                WireCodec.Serialize(ref writer, type, args[i]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw WireCodec.EncodeFailure($"argument '{parameters[i].Name}'", $"arg{i + 1}", type, e);
            }
        }

        writer.Flush();
        body.Write(buffer.WrittenCount);
        body.Write(buffer.WrittenSpan);
    }
}
