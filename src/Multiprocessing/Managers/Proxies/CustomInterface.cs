using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using Multiprocessing.Codec;

namespace Multiprocessing.Managers;

/// <summary>
/// The methods of an interface that a manager serves: every method of the interface and of the interfaces it
/// extends (property accessors included, <see cref="IDisposable.Dispose"/> excluded). A call names its method by
/// <see cref="CustomMethod.Id"/>, a 32-bit FNV-1a hash of its signature (declaring interface's full name, method
/// name, parameter types, return type), which both ends compute alike from the same assembly, and which stays the
/// same for a proxy declared as a base interface of the object's. The manager looks it up among the object's own
/// interface's methods only, so a peer can call nothing else. Creating an object also checks
/// <see cref="Fingerprint"/>, a hash of every signature, so that a client with another build of the interface is
/// refused at once.
/// </summary>
internal sealed class CustomInterface
{
    private static readonly ConcurrentDictionary<Type, CustomInterface> Cache = new();
    private static readonly MethodInfo DisposeMethod = typeof(IDisposable).GetMethod(nameof(IDisposable.Dispose))!;

    private readonly Dictionary<MethodInfo, CustomMethod> byMethod;
    private readonly Dictionary<int, CustomMethod> byId = [];

    private CustomInterface(Type type)
    {
        Type = type;
        Key = KeyOf(type);
        var methods = new List<(string Signature, MethodInfo Method)>();
        foreach (Type t in (Type[])[type, .. type.GetInterfaces()])
        {
            if (t == typeof(IDisposable))
            {
                continue;
            }

            foreach (MethodInfo m in t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                Check(type, m);
                methods.Add((Signature(m), m));
            }
        }

        methods.Sort((a, b) => string.CompareOrdinal(a.Signature, b.Signature));
        Methods = [.. methods.Select(m => new CustomMethod(m.Method, m.Signature))];
        byMethod = Methods.ToDictionary(m => m.Method);
        foreach (CustomMethod m in Methods)
        {
            if (!byId.TryAdd(m.Id, m))
            {
                throw new ArgumentException($"{TypeNames.Display(type)}: the methods {byId[m.Id].Signature} and {m.Signature} have the same hash; rename one.", nameof(type));
            }
        }

        Fingerprint = Hash(Key + "\n" + string.Join("\n", methods.Select(m => m.Signature)));
    }

    public Type Type { get; }

    /// <summary>What names the interface to a manager: the assembly's simple name and the type's full name.</summary>
    public string Key { get; }

    /// <summary>The methods, sorted by signature (ordinal).</summary>
    public CustomMethod[] Methods { get; }

    /// <summary>FNV-1a hash of <see cref="Key"/> and every method's signature.</summary>
    public int Fingerprint { get; }

    /// <summary>The table of <paramref name="type"/>, built once.</summary>
    /// <exception cref="ArgumentException">It is not an interface, or has a method that cannot be called remotely.</exception>
    public static CustomInterface For(Type type)
    {
        if (Cache.TryGetValue(type, out CustomInterface? found))
        {
            return found;
        }

        if (!type.IsInterface || type.ContainsGenericParameters)
        {
            throw new ArgumentException($"{TypeNames.Display(type)} is not an interface: a manager serves custom objects through an interface they implement, and clients get a proxy of that interface.", nameof(type));
        }

        return Cache.GetOrAdd(type, new CustomInterface(type));
    }

    public static bool IsDispose(MethodInfo method) => method == DisposeMethod;

    public static string KeyOf(Type type) => $"{type.Assembly.GetName().Name}:{type.FullName}";

    /// <summary>The method a proxy's call is to.</summary>
    /// <exception cref="NotSupportedException">It is not one of the interface's methods.</exception>
    public CustomMethod Find(MethodInfo method) =>
        byMethod.TryGetValue(method, out CustomMethod? m)
            ? m
            : throw new NotSupportedException($"{method.DeclaringType}.{method.Name} is not a method of {TypeNames.Display(Type)} that its manager serves.");

    /// <summary>The method a call names by <paramref name="methodId"/>, if this interface has it.</summary>
    public bool TryFind(int methodId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CustomMethod? method) =>
        byId.TryGetValue(methodId, out method);

    /// <summary>32-bit FNV-1a of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static int Hash(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }

        return unchecked((int)hash);
    }

    private static string Signature(MethodInfo m) =>
        $"{m.DeclaringType!.FullName}.{m.Name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.FullName ?? p.ParameterType.Name))}){m.ReturnType.FullName ?? m.ReturnType.Name}";

    /// <exception cref="ArgumentException">The method cannot be called through a manager.</exception>
    private static void Check(Type type, MethodInfo m)
    {
        string where = $"{TypeNames.Display(type)}.{m.Name}";
        if (m.IsGenericMethodDefinition)
        {
            throw new ArgumentException($"{where} is generic; a manager calls only non-generic methods (the wire never names a type).", nameof(type));
        }

        foreach (ParameterInfo p in m.GetParameters())
        {
            if (p.ParameterType.IsByRef || p.ParameterType.IsPointer || p.ParameterType.IsByRefLike)
            {
                throw new ArgumentException($"{where} has a ref, out, pointer or span parameter ('{p.Name}'); a manager's calls take and return values.", nameof(type));
            }
        }

        if (m.ReturnType.IsByRef || m.ReturnType.IsByRefLike || m.ReturnType.IsPointer)
        {
            throw new ArgumentException($"{where} returns by reference, a span or a pointer; a manager's calls return values.", nameof(type));
        }
    }
}
