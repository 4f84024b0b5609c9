using System.Reflection;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Codec;

/// <summary>Readable names for types and fields, including the ones the C# compiler generates.</summary>
internal static class TypeNames
{
    /// <summary>C#-like name of a type: <c>List&lt;int&gt;</c> rather than <c>List`1[[System.Int32 ...]]</c>.</summary>
    public static string Display(Type type)
    {
        if (type.IsArray)
        {
            return Display(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        string name = type.FullName ?? type.Name;
        if (!type.IsGenericType)
        {
            return name.Replace('+', '.');
        }

        string baseName = (type.GetGenericTypeDefinition().FullName ?? type.Name).Replace('+', '.');
        int tick = baseName.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            baseName = baseName[..tick];
        }

        return baseName + "<" + string.Join(", ", type.GetGenericArguments().Select(Display)) + ">";
    }

    /// <summary>
    /// How a field appears to the user: a captured variable, <c>this</c>, the property behind a backing field
    /// (<c>&lt;Name&gt;k__BackingField</c>), or the primary-constructor parameter a class captured
    /// (<c>&lt;name&gt;P</c>).
    /// </summary>
    public static string Field(FieldInfo field)
    {
        string name = field.Name;
        if (name == "<>4__this")
        {
            return "this";
        }

        if (name.StartsWith('<'))
        {
            int end = name.IndexOf('>', StringComparison.Ordinal);
            ReadOnlySpan<char> suffix = end > 1 ? name.AsSpan(end) : default;
            if (suffix.StartsWith(">k__BackingField", StringComparison.Ordinal) || suffix.SequenceEqual(">P"))
            {
                return name[1..end];
            }
        }

        return IsCompilerGenerated(field.DeclaringType!) ? $"captured variable '{name}'" : name;
    }

    /// <summary>True for closure classes and other types the compiler generates.</summary>
    public static bool IsCompilerGenerated(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) || type.Name.StartsWith('<');

    /// <summary>True for types that belong to .NET itself rather than to the application.</summary>
    public static bool IsFrameworkType(Type type)
    {
        Assembly asm = type.Assembly;
        if (asm == typeof(object).Assembly)
        {
            return true;
        }

        string? name = asm.GetName().Name;
        return name is not null && IsFrameworkAssemblyName(name);
    }

    /// <summary>True for the simple names of .NET's own assemblies (and the codec's).</summary>
    public static bool IsFrameworkAssemblyName(string name) =>
        name.StartsWith("System.", StringComparison.Ordinal)
        || name.StartsWith("Microsoft.", StringComparison.Ordinal)
        || name is "System" or "mscorlib" or "netstandard" or "MessagePack";
}
