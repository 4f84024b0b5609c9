using System.Collections;
using System.Linq.Expressions;
using System.Reflection;

namespace Multiprocessing.Tests.Disposal;

/// <summary>
/// Calls every public instance member of a disposed object with harmless arguments (short timeouts, so that a
/// member that wrongly works waits briefly rather than for ever) and lists those that did not throw
/// <see cref="ObjectDisposedException"/>. Run it in a child process: the bug it looks for kills the process.
/// </summary>
internal static class AfterDispose
{
    /// <summary>Members documented as fine after Dispose on every type.</summary>
    private static readonly HashSet<string> Always = ["Dispose", "DisposeAsync", "Close", "ToString", "Equals", "GetHashCode", "GetType", "Name"];

    /// <summary>
    /// The members of <paramref name="disposed"/> that did not throw <see cref="ObjectDisposedException"/>, as
    /// "Member: what happened" lines; empty if all did. Members taking or returning spans cannot be called by
    /// reflection: they are listed in <paramref name="skipped"/> for the caller to check by hand.
    /// </summary>
    public static List<string> Probe(object disposed, ICollection<string> allowed, List<string> skipped)
    {
        var failures = new List<string>();
        Type type = disposed.GetType();
        foreach (MethodInfo method in Members(type))
        {
            string name = method.IsSpecialName && method.Name.StartsWith("get_", StringComparison.Ordinal) ? method.Name[4..] : method.Name;
            if (Always.Contains(name) || allowed.Contains(name))
            {
                continue;
            }

            MethodInfo callable = method.IsGenericMethodDefinition ? Instantiate(method) : method;
            if (callable.ReturnType.IsByRefLike || callable.GetParameters().Any(p => p.ParameterType.IsByRefLike || p.ParameterType.GetElementType()?.IsByRefLike == true))
            {
                skipped.Add(name);
                continue;
            }

            string? outcome = Outcome(() => Settle(callable.Invoke(disposed, [.. callable.GetParameters().Select(Argument)])));
            if (outcome is not null)
            {
                failures.Add($"{name}({string.Join(", ", callable.GetParameters().Select(p => p.ParameterType.Name))}): {outcome}");
            }
        }

        return failures;
    }

    /// <summary>The method with every type parameter int, or object where int breaks a constraint (<c>where T : class</c>).</summary>
    private static MethodInfo Instantiate(MethodInfo method)
    {
        try
        {
            return method.MakeGenericMethod([.. method.GetGenericArguments().Select(_ => typeof(int))]);
        }
        catch (ArgumentException)
        {
            return method.MakeGenericMethod([.. method.GetGenericArguments().Select(_ => typeof(object))]);
        }
    }

    /// <summary>Public instance methods and property getters, inherited ones included, but not object's.</summary>
    private static IEnumerable<MethodInfo> Members(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.DeclaringType != typeof(object))
            .Where(m => !m.IsSpecialName || m.Name.StartsWith("get_", StringComparison.Ordinal));

    /// <summary>Null if <paramref name="call"/> threw <see cref="ObjectDisposedException"/>; otherwise what it did.</summary>
    private static string? Outcome(Action call)
    {
        try
        {
            call();
            return "returned";
        }
        catch (Exception e)
        {
            Exception inner = Unwrap(e);
            return inner is ObjectDisposedException ? null : $"threw {inner.GetType().Name}: {inner.Message}";
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is TargetInvocationException or AggregateException && e.InnerException is not null)
        {
            e = e.InnerException!;
        }

        return e;
    }

    /// <summary>Waits for a task, and takes the first item of a sequence: a call may only fail there.</summary>
    private static void Settle(object? result)
    {
        switch (result)
        {
            case null:
                return;
            case Task task:
                if (!task.Wait(TimeSpan.FromSeconds(10)))
                {
                    throw new TimeoutException("its task did not complete in 10 s");
                }

                return;
            case IEnumerable sequence when result is not string:
                IEnumerator e = sequence.GetEnumerator();
                e.MoveNext();
                return;
        }

        Type type = result.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>) || type == typeof(ValueTask))
        {
            Settle(type.GetMethod("AsTask")!.Invoke(result, null));
            return;
        }

        Type? asyncSequence = type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>));
        if (asyncSequence is not null)
        {
            object enumerator = asyncSequence.GetMethod("GetAsyncEnumerator")!.Invoke(result, [CancellationToken.None])!;
            Type enumeratorType = typeof(IAsyncEnumerator<>).MakeGenericType(asyncSequence.GetGenericArguments());
            Settle(enumeratorType.GetMethod("MoveNextAsync")!.Invoke(enumerator, null));
        }
    }

    /// <summary>A harmless argument for <paramref name="parameter"/>.</summary>
    private static object? Argument(ParameterInfo parameter)
    {
        Type t = parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;
        Type core = Nullable.GetUnderlyingType(t) ?? t;
        if (core == typeof(TimeSpan))
        {
            return TimeSpan.FromMilliseconds(50);
        }

        if (core == typeof(int) || core == typeof(long))
        {
            return Convert.ChangeType(parameter.Name is "index" or "offset" ? 0 : 1, core, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (t == typeof(string))
        {
            return "x";
        }

        if (t.IsArray)
        {
            return Array.CreateInstance(t.GetElementType()!, 16);
        }

        if (t == typeof(Memory<byte>))
        {
            return new Memory<byte>(new byte[16]);
        }

        if (t == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemory<byte>(new byte[16]);
        }

        if (typeof(Delegate).IsAssignableFrom(t))
        {
            MethodInfo invoke = t.GetMethod("Invoke")!;
            ParameterExpression[] ps = [.. invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType))];
            Expression body = invoke.ReturnType == typeof(bool) ? Expression.Constant(true) : Expression.Default(invoke.ReturnType);
            return Expression.Lambda(t, body, ps).Compile();
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() is var d && (d == typeof(IEnumerable<>) || d == typeof(IReadOnlyList<>) || d == typeof(IList<>)))
        {
            Array one = Array.CreateInstance(t.GetGenericArguments()[0], 1);
            return one;
        }

        if (parameter.HasDefaultValue && parameter.DefaultValue is not null)
        {
            return parameter.DefaultValue;
        }

        return t.IsValueType ? Activator.CreateInstance(t) : null;
    }
}
