using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using Multiprocessing.Codec;

namespace Multiprocessing.Processes;

/// <summary>
/// Which fields of its closure a lambda reads, found from its IL: C# puts every local captured in a scope into one
/// compiler-generated display class shared by every lambda of that scope, so a lambda's target also holds what the
/// other lambdas captured (a pool, a stream). <see cref="DelegatePayload"/> encodes only the fields read here; the
/// others are left default in the child, which never reads them.
/// </summary>
/// <remarks>
/// <para>
/// The reads are the <c>ldfld</c>, <c>ldflda</c> and <c>ldtoken</c> (an expression tree) of display-class fields in
/// the method's body and in the compiler-generated code it reaches: lambdas and local functions it calls or makes
/// delegates of (<c>call</c>, <c>callvirt</c>, <c>newobj</c>, <c>ldftn</c>), and the state machines of the async
/// and iterator methods among them (every method of a compiler-generated type that is not a display class, since
/// their <c>MoveNext</c> is called by the framework). A field only written (<c>stfld</c>) is never read in the
/// child before the write, so its value need not cross.
/// </para>
/// <para>
/// When the IL cannot be read (no body: a dynamic method, a trimmed or native-AOT build; a token that does not
/// resolve), the analysis gives up and the whole target is encoded, as before: reading too much only fails
/// loudly, reading too little would run the lambda on a default value.
/// </para>
/// </remarks>
internal sealed class ClosureReads
{
    private static readonly ConcurrentDictionary<MethodInfo, ClosureReads?> Cache = new();

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    private readonly Dictionary<FieldInfo, MethodBase> readers;

    static ClosureReads()
    {
        foreach (FieldInfo f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (f.GetValue(null) is OpCode op)
            {
                ushort v = (ushort)op.Value;
                if (op.Size == 1)
                {
                    OneByte[v] = op;
                }
                else
                {
                    TwoByte[v & 0xFF] = op;
                }
            }
        }
    }

    private ClosureReads(Dictionary<FieldInfo, MethodBase> readers) => this.readers = readers;

    /// <summary>Whether <paramref name="field"/> (of a display class) is read.</summary>
    public bool Reads(FieldInfo field) => readers.ContainsKey(field);

    /// <summary>The method (the lambda or what it reaches) that reads <paramref name="field"/>.</summary>
    public MethodBase? ReaderOf(FieldInfo field) => readers.GetValueOrDefault(field);

    /// <summary>Whether <paramref name="type"/> is a closure class of the C# compiler, which is encoded field by field as read.</summary>
    public static bool IsDisplayClass(Type type) =>
        !type.IsValueType && type.Name.Contains("DisplayClass", StringComparison.Ordinal) && TypeNames.IsCompilerGenerated(type);

    /// <summary>
    /// The reads of <paramref name="method"/>, a method of a display class, analysed once per method; null when its IL
    /// cannot be followed (the whole target is then encoded).
    /// </summary>
    public static ClosureReads? Of(MethodInfo method) => Cache.GetOrAdd(method, Analyse);

    private static ClosureReads? Analyse(MethodInfo root)
    {
        var readers = new Dictionary<FieldInfo, MethodBase>();
        var seen = new HashSet<MethodBase>();
        var seenTypes = new HashSet<Type>();
        var pending = new Queue<MethodBase>();
        seen.Add(root);
        pending.Enqueue(root);
        try
        {
            while (pending.TryDequeue(out MethodBase? method))
            {
                if (!Scan(method, readers, seen, seenTypes, pending))
                {
                    return null;
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException
                                      or MissingMemberException or NotSupportedException or InvalidOperationException
                                      or IndexOutOfRangeException or FileNotFoundException or FileLoadException)
        {
            return null;
        }

        return new ClosureReads(readers);
    }

    private static bool Scan(MethodBase method, Dictionary<FieldInfo, MethodBase> readers, HashSet<MethodBase> seen,
        HashSet<Type> seenTypes, Queue<MethodBase> pending)
    {
        byte[]? il = method.ContainsGenericParameters ? null : method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return false;
        }

        Module module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method is { IsGenericMethod: true } && method is not ConstructorInfo ? method.GetGenericArguments() : null;

        int at = 0;
        while (at < il.Length)
        {
            OpCode op;
            byte b = il[at++];
            if (b == 0xFE)
            {
                op = TwoByte[il[at++]];
            }
            else
            {
                op = OneByte[b];
            }

            if (op.Size == 0)
            {
                return false; // Not an opcode: give up rather than guess.
            }

            int token = op.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType
                ? BitConverter.ToInt32(il, at)
                : 0;
            switch (op.OperandType)
            {
                case OperandType.InlineField:
                {
                    FieldInfo field = module.ResolveField(token, typeArgs, methodArgs)!;
                    if (op == OpCodes.Ldfld || op == OpCodes.Ldflda)
                    {
                        NoteRead(field, method, readers);
                    }

                    NoteType(field.DeclaringType, seenTypes, seen, pending);
                    break;
                }

                case OperandType.InlineMethod:
                {
                    MethodBase callee = module.ResolveMethod(token, typeArgs, methodArgs)!;
                    if (IsGenerated(callee) && seen.Add(callee))
                    {
                        pending.Enqueue(callee);
                    }

                    NoteType(callee.DeclaringType, seenTypes, seen, pending);
                    break;
                }

                case OperandType.InlineTok:
                {
                    MemberInfo member = module.ResolveMember(token, typeArgs, methodArgs)!;
                    if (member is FieldInfo f)
                    {
                        NoteRead(f, method, readers); // An expression tree reads the field through its FieldInfo.
                        NoteType(f.DeclaringType, seenTypes, seen, pending);
                    }
                    else if (member is MethodBase m)
                    {
                        if (IsGenerated(m) && seen.Add(m))
                        {
                            pending.Enqueue(m);
                        }

                        NoteType(m.DeclaringType, seenTypes, seen, pending);
                    }
                    else if (member is Type t)
                    {
                        NoteType(t, seenTypes, seen, pending);
                    }

                    break;
                }

                case OperandType.InlineType:
                    NoteType(module.ResolveType(token, typeArgs, methodArgs), seenTypes, seen, pending);
                    break;
            }

            at += OperandSize(op.OperandType, il, at);
        }

        return true;
    }

    private static void NoteRead(FieldInfo field, MethodBase method, Dictionary<FieldInfo, MethodBase> readers)
    {
        if (field.DeclaringType is { } t && IsDisplayClass(t))
        {
            readers.TryAdd(field, method);
        }
    }

    /// <summary>A lambda, a local function or a method of a compiler-generated type (its body is part of the lambda's).</summary>
    private static bool IsGenerated(MethodBase m) =>
        m.Name.StartsWith('<') && (m.Name.Contains(">b__", StringComparison.Ordinal) || m.Name.Contains(">g__", StringComparison.Ordinal))
        || m.DeclaringType is { } t && TypeNames.IsCompilerGenerated(t) && !TypeNames.IsFrameworkType(t);

    /// <summary>
    /// A compiler-generated type that is neither a display class nor the <c>&lt;&gt;c</c> singleton of lambdas that
    /// capture nothing: a state machine, whose methods the framework calls. All of them are part of the lambda.
    /// </summary>
    private static void NoteType(Type? type, HashSet<Type> seenTypes, HashSet<MethodBase> seen, Queue<MethodBase> pending)
    {
        if (type is null || !seenTypes.Add(type) || !TypeNames.IsCompilerGenerated(type) || TypeNames.IsFrameworkType(type)
            || type.Name.Contains("DisplayClass", StringComparison.Ordinal) || type.Name == "<>c")
        {
            return;
        }

        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (MethodBase m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (seen.Add(m))
            {
                pending.Enqueue(m); // An open generic or bodiless one fails the scan: the whole target is then encoded.
            }
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    /// <summary>How a message names the method that reads a capture: "the lambda in Main", "the local function Square in the top-level program".</summary>
    public static string Describe(MethodBase method)
    {
        if (method.Name == "MoveNext" && method.DeclaringType is { } machine && TypeNames.IsCompilerGenerated(machine)
            && DescribeName(machine.Name) is { } body)
        {
            return body;
        }

        return DescribeName(method.Name) ?? $"{method.DeclaringType?.Name}.{method.Name}";
    }

    // <outer>b__0_1 (a lambda), <outer>g__Name|0_2 (a local function), <outer>d__3 or <outer>d (the state machine of outer).
    private static string? DescribeName(string name)
    {
        int close = name.LastIndexOf('>');
        if (!name.StartsWith('<') || close < 2)
        {
            return null;
        }

        string outer = name[1..close];
        string rest = name[(close + 1)..];
        string where = outer == "<Main>$" ? "the top-level program" : DescribeName(outer) ?? outer;
        if (rest.StartsWith("b__", StringComparison.Ordinal))
        {
            return $"the lambda in {where}";
        }

        int pipe = rest.IndexOf('|', StringComparison.Ordinal);
        if (rest.StartsWith("g__", StringComparison.Ordinal) && pipe > 3)
        {
            return $"the local function {rest[3..pipe]} in {where}";
        }

        return where;
    }
}
