using System.Reflection;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Processes;

/// <summary>
/// Names types and methods to a child process by (assembly, module version id, metadata token): exact for
/// overloads and generics, and a different build of an assembly is detected instead of silently mis-bound.
/// </summary>
internal sealed class TypeRefs
{
    private readonly List<Assembly> assemblies = [];

    /// <summary>The assemblies referenced so far, in index order.</summary>
    public IReadOnlyList<Assembly> Assemblies => assemblies;

    public void WriteType(BinaryWriter writer, Type type)
    {
        if (type.IsArray)
        {
            writer.Write((byte)1);
            writer.Write(type.IsSZArray ? 0 : type.GetArrayRank());
            WriteType(writer, type.GetElementType()!);
            return;
        }

        if (type.IsPointer || type.IsByRef || type.IsGenericParameter)
        {
            throw new NotSupportedException($"The type {type} cannot be named to another process.");
        }

        Type definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        Type[] args = type.IsGenericType ? type.GetGenericArguments() : [];
        writer.Write((byte)0);
        writer.Write(IndexOf(definition.Assembly));
        writer.Write(definition.MetadataToken);
        writer.Write(args.Length);
        foreach (Type arg in args)
        {
            WriteType(writer, arg);
        }
    }

    public void WriteMethod(BinaryWriter writer, MethodInfo method)
    {
        Type[] args = method.IsGenericMethod ? method.GetGenericArguments() : [];
        WriteType(writer, method.DeclaringType ?? throw new NotSupportedException($"The global method {method.Name} cannot run in a child process."));
        writer.Write(method.MetadataToken);
        writer.Write(args.Length);
        foreach (Type arg in args)
        {
            WriteType(writer, arg);
        }
    }

    /// <summary>Writes the assembly table: full name, path and module version id of each.</summary>
    public void WriteTable(BinaryWriter writer)
    {
        writer.Write(assemblies.Count);
        Span<byte> mvid = stackalloc byte[16];
        foreach (Assembly asm in assemblies)
        {
            writer.Write(asm.FullName ?? asm.GetName().Name ?? string.Empty);
#pragma warning disable IL3000 // Empty in single-file apps: the child then loads by name only.
            writer.Write(asm.Location);
#pragma warning restore IL3000
            asm.ManifestModule.ModuleVersionId.TryWriteBytes(mvid);
            writer.Write(mvid);
        }
    }

    private int IndexOf(Assembly assembly)
    {
        int i = assemblies.IndexOf(assembly);
        if (i < 0)
        {
            if (assembly.IsDynamic)
            {
                throw new NotSupportedException($"Types of the dynamic assembly {assembly.GetName().Name} cannot be named to another process.");
            }

            assemblies.Add(assembly);
            i = assemblies.Count - 1;
        }

        return i;
    }

    /// <summary>Loads the assembly table written by <see cref="WriteTable"/>, checking each build.</summary>
    /// <exception cref="VersionMismatchException">An assembly is missing or is a different build.</exception>
    public static Assembly[] ReadTable(BinaryReader reader)
    {
        var result = new Assembly[reader.ReadInt32()];
        for (int i = 0; i < result.Length; i++)
        {
            string fullName = reader.ReadString();
            string location = reader.ReadString();
            var mvid = new Guid(reader.ReadBytes(16));
            Assembly asm = Load(fullName, location);

            Guid actual = TestHooks.MvidOverride ?? asm.ManifestModule.ModuleVersionId;
            if (actual != mvid)
            {
#pragma warning disable IL3000 // Only for the message.
                string from = asm.Location;
#pragma warning restore IL3000
                throw new VersionMismatchException(
                    $"The child process loaded a different build of {asm.GetName().Name} (from {from}) than the parent runs: " +
                    $"module version {actual} here, {mvid} in the parent. Rebuild, and do not replace the application's files while it runs.");
            }

            result[i] = asm;
        }

        return result;
    }

    /// <summary>
    /// Loads an assembly by simple name (the build is checked by module version id afterwards), so that parsing a
    /// full name's culture does not load ICU into every child; falls back to the parent's path.
    /// </summary>
    private static Assembly Load(string fullName, string location)
    {
        int comma = fullName.IndexOf(',', StringComparison.Ordinal);
        string simpleName = comma < 0 ? fullName : fullName[..comma];
        try
        {
            return Assembly.Load(new AssemblyName { Name = simpleName });
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return LoadFrom(fullName, location, e);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Assembly LoadFrom(string fullName, string location, Exception error)
    {
        if (location.Length == 0 || !File.Exists(location))
        {
            throw new VersionMismatchException($"The child process cannot load {fullName}, which the parent uses ({error.Message}).", error);
        }

        return System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(location);
    }

    public static Type ReadType(BinaryReader reader, Assembly[] table)
    {
        byte kind = reader.ReadByte();
        if (kind == 1)
        {
            int rank = reader.ReadInt32();
            Type element = ReadType(reader, table);
            return rank == 0 ? element.MakeArrayType() : element.MakeArrayType(rank);
        }

        if (kind != 0)
        {
            throw new InvalidDataException("Malformed type reference.");
        }

        Assembly asm = table[reader.ReadInt32()];
        Type definition = asm.ManifestModule.ResolveType(reader.ReadInt32());
        var args = new Type[reader.ReadInt32()];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = ReadType(reader, table);
        }

        return args.Length == 0 ? definition : definition.MakeGenericType(args);
    }

    public static MethodInfo ReadMethod(BinaryReader reader, Assembly[] table)
    {
        Type declaring = ReadType(reader, table);
        int token = reader.ReadInt32();
        var args = new Type[reader.ReadInt32()];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = ReadType(reader, table);
        }

        MethodBase definition = declaring.Module.ResolveMethod(token)!;
        var method = (MethodInfo)(declaring.IsGenericType
            ? MethodBase.GetMethodFromHandle(definition.MethodHandle, declaring.TypeHandle)!
            : definition);
        return args.Length == 0 ? method : method.MakeGenericMethod(args);
    }
}
