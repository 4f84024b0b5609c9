using Multiprocessing.Processes;

namespace Multiprocessing;

public partial class ChildProcess
{
    /// <summary>Starts <paramref name="target"/> in a new child process.</summary>
    /// <param name="target">What the child runs: a static method, a lambda or an instance method.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">A captured variable of <paramref name="target"/> cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children; the message says what to do.</exception>
    public static ChildProcess Start(Action target, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [], options);

    /// <summary>Starts <paramref name="target"/>(<paramref name="arg1"/>) in a new child process.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The argument, encoded now and decoded in the child.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">The argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1>(Action<T1> target, T1 arg1, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1], options);

    /// <summary>Starts <paramref name="target"/>(<paramref name="arg1"/>, <paramref name="arg2"/>) in a new child process.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1, T2>(Action<T1, T2> target, T1 arg1, T2 arg2, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1, arg2], options);

    /// <summary>Starts <paramref name="target"/> with three arguments in a new child process.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1, T2, T3>(Action<T1, T2, T3> target, T1 arg1, T2 arg2, T3 arg3, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1, arg2, arg3], options);

    /// <summary>Starts <paramref name="target"/> with four arguments in a new child process.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="T4">Type of the fourth argument.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1, T2, T3, T4>(Action<T1, T2, T3, T4> target, T1 arg1, T2 arg2, T3 arg3, T4 arg4, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1, arg2, arg3, arg4], options);

    /// <summary>Starts an asynchronous <paramref name="target"/> in a new child process; the child exits when its task completes.</summary>
    /// <param name="target">What the child runs.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">A captured variable of <paramref name="target"/> cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start(Func<Task> target, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [], options);

    /// <summary>Starts <paramref name="target"/> in a new child process and brings back its return value.</summary>
    /// <typeparam name="TResult">Type of the result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">A captured variable of <paramref name="target"/> cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<TResult>(Func<TResult> target, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [], options);

    /// <summary>Starts <paramref name="target"/>(<paramref name="arg1"/>) in a new child process and brings back its return value.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">The argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, TResult>(Func<T1, TResult> target, T1 arg1, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1], options);

    /// <summary>Starts <paramref name="target"/> with two arguments in a new child process and brings back its return value.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of the result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, T2, TResult>(Func<T1, T2, TResult> target, T1 arg1, T2 arg2, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1, arg2], options);

    /// <summary>Starts <paramref name="target"/> with three arguments in a new child process and brings back its return value.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of the result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> target, T1 arg1, T2 arg2, T3 arg3, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1, arg2, arg3], options);

    /// <summary>Starts <paramref name="target"/> with four arguments in a new child process and brings back its return value.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="T4">Type of the fourth argument.</typeparam>
    /// <typeparam name="TResult">Type of the result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, T2, T3, T4, TResult>(Func<T1, T2, T3, T4, TResult> target, T1 arg1, T2 arg2, T3 arg3, T4 arg4, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1, arg2, arg3, arg4], options);

    /// <summary>Starts an asynchronous <paramref name="target"/> in a new child process and brings back the value of its task.</summary>
    /// <typeparam name="TResult">Type of the result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">A captured variable of <paramref name="target"/> cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<TResult>(Func<Task<TResult>> target, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [], options);

    /// <summary>Starts an asynchronous <paramref name="target"/>(<paramref name="arg1"/>) in a new child process; the child exits when its task completes.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns.</param>
    /// <param name="arg1">The argument, encoded now and decoded in the child.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">The argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1>(Func<T1, Task> target, T1 arg1, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1], options);

    /// <summary>Starts an asynchronous <paramref name="target"/>(<paramref name="arg1"/>, <paramref name="arg2"/>) in a new child process; the child exits when its task completes.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1, T2>(Func<T1, T2, Task> target, T1 arg1, T2 arg2, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1, arg2], options);

    /// <summary>Starts an asynchronous <paramref name="target"/> with three arguments in a new child process; the child exits when its task completes.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1, T2, T3>(Func<T1, T2, T3, Task> target, T1 arg1, T2 arg2, T3 arg3, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1, arg2, arg3], options);

    /// <summary>Starts an asynchronous <paramref name="target"/> with four arguments in a new child process; the child exits when its task completes.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="T4">Type of the fourth argument.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess Start<T1, T2, T3, T4>(Func<T1, T2, T3, T4, Task> target, T1 arg1, T2 arg2, T3 arg3, T4 arg4, ChildProcessOptions? options = null) =>
        Launch(new ChildProcess(NameOf(options), options?.Daemon ?? false), target, [arg1, arg2, arg3, arg4], options);

    /// <summary>Starts an asynchronous <paramref name="target"/>(<paramref name="arg1"/>) in a new child process and brings back the value of its task.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the task's result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns and sends back its value.</param>
    /// <param name="arg1">The argument, encoded now and decoded in the child.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">The argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, TResult>(Func<T1, Task<TResult>> target, T1 arg1, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1], options);

    /// <summary>Starts an asynchronous <paramref name="target"/>(<paramref name="arg1"/>, <paramref name="arg2"/>) in a new child process and brings back the value of its task.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of the task's result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns and sends back its value.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, T2, TResult>(Func<T1, T2, Task<TResult>> target, T1 arg1, T2 arg2, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1, arg2], options);

    /// <summary>Starts an asynchronous <paramref name="target"/> with three arguments in a new child process and brings back the value of its task.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of the task's result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns and sends back its value.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, T2, T3, TResult>(Func<T1, T2, T3, Task<TResult>> target, T1 arg1, T2 arg2, T3 arg3, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1, arg2, arg3], options);

    /// <summary>Starts an asynchronous <paramref name="target"/> with four arguments in a new child process and brings back the value of its task.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="T4">Type of the fourth argument.</typeparam>
    /// <typeparam name="TResult">Type of the task's result; it must be encodable.</typeparam>
    /// <param name="target">What the child runs; the child awaits the task it returns and sends back its value.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="options">Name, daemon flag and environment of the child; null for the defaults.</param>
    /// <returns>The running child; read <see cref="ChildProcess{TResult}.Result"/> for the value.</returns>
    /// <exception cref="ArgumentException">An argument or a captured variable cannot be encoded; the message names it. Also thrown if <typeparamref name="TResult"/> is itself a task type (<see cref="Task"/>, <see cref="ValueTask{TResult}"/>...), which cannot be brought back.</exception>
    /// <exception cref="PlatformNotSupportedException">This platform or kind of application cannot start children.</exception>
    public static ChildProcess<TResult> Start<T1, T2, T3, T4, TResult>(Func<T1, T2, T3, T4, Task<TResult>> target, T1 arg1, T2 arg2, T3 arg3, T4 arg4, ChildProcessOptions? options = null) =>
        Launch(ForResult<TResult>(target, options), target, [arg1, arg2, arg3, arg4], options);
    private static string NameOf(ChildProcessOptions? options) => options?.Name ?? NextName();

    /// <summary>A new child that brings back a <typeparamref name="TResult"/>, which must not itself be a task.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="TResult"/> is a task type.</exception>
    private static ChildProcess<TResult> ForResult<TResult>(Delegate target, ChildProcessOptions? options)
    {
        ArgumentNullException.ThrowIfNull(target);
        Type type = typeof(TResult);
        bool isTask = typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>));
        if (isTask)
        {
            string display = Codec.TypeNames.Display(type);
            throw new ArgumentException(
                $"The target returns a {display}, and a task cannot be brought back from another process. " +
                "Make the target return Task (nothing to bring back) or Task<T> (the child awaits it and sends the T back), " +
                "for example by making it an async lambda or method, or return the value itself; " +
                "with explicit type arguments, give the task's result type as TResult.",
                nameof(target));
        }

        return new ChildProcess<TResult>(NameOf(options), options?.Daemon ?? false);
    }

    private static TChild Launch<TChild>(TChild child, Delegate target, object?[] args, ChildProcessOptions? options)
        where TChild : ChildProcess
    {
        ArgumentNullException.ThrowIfNull(target);
        child.MeasureStart(Diagnostics.ProcessMetrics.For(options?.MeterFactory));
        LaunchPlan plan = LaunchPlan.Current;
        child.UseLoggerFactory(options?.LoggerFactory);

        // Pipe ends in the call are reserved for the child as they are encoded: addressed to it once it has a pid,
        // cancelled if it is not started.
        using Connections.PipeConnection.Transit ends = Connections.PipeConnection.Transit.Begin();
        using System.Diagnostics.Activity? activity = Diagnostics.Tracing.StartProcessStart(child.Name);
        try
        {
            // The caller's trace context goes with the call (not into a pool's worker: each of its tasks carries its own).
            System.Diagnostics.Activity? carried = Diagnostics.Tracing.StartingPoolWorker ? null : Diagnostics.TraceContextWire.ToCarry(activity);
            var identity = new ChildIdentity(child.Name, child.Daemon, Environment.ProcessId, carried is null ? null : Diagnostics.TraceContextWire.Encode(carried));
            byte[] payload = DelegatePayload.Encode(identity, target, args);
            child.Launch(plan, Frames.Build(FrameKind.Start, payload), options?.Environment, ends);
            activity?.SetTag(Diagnostics.TelemetryAttributes.ProcessPid, child.Pid);
            return child;
        }
        catch (Exception e) when (activity is not null)
        {
            Diagnostics.Tracing.SetError(activity, e);
            throw;
        }
    }
}
