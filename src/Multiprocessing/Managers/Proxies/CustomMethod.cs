using System.Reflection;

namespace Multiprocessing.Managers;

/// <summary>One method of a registered interface, as both ends of a call see it.</summary>
internal sealed class CustomMethod
{
    public CustomMethod(MethodInfo method, string signature)
    {
        Method = method;
        Signature = signature;
        Id = CustomInterface.Hash(signature);
        ParameterInfo[] parameters = method.GetParameters();
        ParameterTypes = [.. parameters.Select(p => p.ParameterType)];
        ParameterNames = [.. parameters.Select(p => p.Name ?? $"arg{p.Position + 1}")];
        Type r = method.ReturnType;
        (Return, ResultType) = r == typeof(void) ? (CustomReturn.Direct, null)
            : r == typeof(Task) ? (CustomReturn.Task, null)
            : r == typeof(ValueTask) ? (CustomReturn.ValueTask, null)
            : r.IsGenericType && r.GetGenericTypeDefinition() == typeof(Task<>) ? (CustomReturn.TaskOfT, r.GetGenericArguments()[0])
            : r.IsGenericType && r.GetGenericTypeDefinition() == typeof(ValueTask<>) ? (CustomReturn.ValueTaskOfT, r.GetGenericArguments()[0])
            : (CustomReturn.Direct, r);
        if (ResultType is not null)
        {
            MethodInfo helper = typeof(CustomMethod).GetMethod(Return switch
            {
                CustomReturn.TaskOfT => nameof(AwaitTask),
                CustomReturn.ValueTaskOfT => nameof(AwaitValueTask),
                _ => nameof(Identity),
            }, BindingFlags.NonPublic | BindingFlags.Static)!;
            AwaitResult = helper.IsGenericMethodDefinition
                ? helper.MakeGenericMethod(ResultType).CreateDelegate<Func<object?, object?>>()
                : helper.CreateDelegate<Func<object?, object?>>();
            WrapResult = Return switch
            {
                CustomReturn.TaskOfT => typeof(CustomMethod).GetMethod(nameof(RunAsTask), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(ResultType).CreateDelegate<Func<Func<object?>, object?>>(),
                CustomReturn.ValueTaskOfT => typeof(CustomMethod).GetMethod(nameof(RunAsValueTask), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(ResultType).CreateDelegate<Func<Func<object?>, object?>>(),
                _ => static call => call(),
            };
        }
        else
        {
            AwaitResult = Return switch
            {
                CustomReturn.Task => static task => { ((Task)task!).GetAwaiter().GetResult(); return null; },
                CustomReturn.ValueTask => static task => { ((ValueTask)task!).GetAwaiter().GetResult(); return null; },
                _ => static _ => null,
            };
            WrapResult = Return switch
            {
                CustomReturn.Task => static call => Task.Run(() => { call(); }),
                CustomReturn.ValueTask => static call => new ValueTask(Task.Run(() => { call(); })),
                _ => static call => call(),
            };
        }
    }

    public MethodInfo Method { get; }

    /// <summary>The declaring interface's full name, the method's name, its parameter types and its return type.</summary>
    public string Signature { get; }

    /// <summary>What names the method on the wire: the hash of <see cref="Signature"/>.</summary>
    public int Id { get; }

    public Type[] ParameterTypes { get; }

    public string[] ParameterNames { get; }

    public CustomReturn Return { get; }

    /// <summary>The type of the value that crosses back (T of a <c>Task&lt;T&gt;</c>), or null for none.</summary>
    public Type? ResultType { get; }

    /// <summary>In the manager: turns what the method returned into the value to send back, waiting for a task.</summary>
    public Func<object?, object?> AwaitResult { get; }

    /// <summary>In the client: turns the blocking call into what the method returns (a task that makes the call on the thread pool, for task-returning methods).</summary>
    public Func<Func<object?>, object?> WrapResult { get; }

    private static object? Identity(object? value) => value;

    private static object? AwaitTask<T>(object? task) => ((Task<T>)task!).GetAwaiter().GetResult();

    private static object? AwaitValueTask<T>(object? task) => ((ValueTask<T>)task!).AsTask().GetAwaiter().GetResult();

#pragma warning disable CA1859 // Bound to Func<Func<object?>, object?>: the result is boxed either way.
    private static object? RunAsTask<T>(Func<object?> call) => Task.Run(() => (T)call()!);

    private static object? RunAsValueTask<T>(Func<object?> call) => new ValueTask<T>(Task.Run(() => (T)call()!));
#pragma warning restore CA1859
}
