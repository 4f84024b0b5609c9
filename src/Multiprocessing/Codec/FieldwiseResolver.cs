using System.Runtime.ConstrainedExecution;
using MessagePack;
using MessagePack.Formatters;

namespace Multiprocessing.Codec;

/// <summary>
/// Encodes classes and structs of the application's own assemblies field by field (public and private, base
/// classes first), the way pickle copies an object's <c>__dict__</c>: closures, <c>this</c>, records and plain
/// classes cross without attributes. The receiver builds the declared type without running a constructor.
/// </summary>
internal sealed class FieldwiseResolver : IFormatterResolver
{
    public static readonly FieldwiseResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>() => Accepts(typeof(T)) ? FieldwiseFormatter<T>.Instance : null;

    private static bool Accepts(Type t) =>
        !TypeNames.IsFrameworkType(t) && !t.IsAbstract && !t.IsInterface && !t.IsArray && !t.IsPointer
        && !t.IsByRefLike && !t.IsGenericTypeDefinition && !t.ContainsGenericParameters
        && !typeof(Delegate).IsAssignableFrom(t)
        && t != typeof(Listener) // an open socket of this process: RejectingResolver says what to pass instead
        && !typeof(MarshalByRefObject).IsAssignableFrom(t)
        && !typeof(CriticalFinalizerObject).IsAssignableFrom(t);
}
