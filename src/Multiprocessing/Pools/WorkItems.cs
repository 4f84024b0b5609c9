namespace Multiprocessing.Pools;

/// <summary>Makes the <see cref="WorkItem{TResult}"/> of each delegate shape the pools accept.</summary>
internal static class WorkItems
{
    public static WorkItem<TResult> Of<TResult>(Func<TResult> function) => new Func0<TResult>(function);

    public static WorkItem<TResult> Of<T1, TResult>(Func<T1, TResult> function, T1 arg1) =>
        new Func1<T1, TResult>(function, arg1);

    public static WorkItem<TResult> Of<T1, T2, TResult>(Func<T1, T2, TResult> function, T1 arg1, T2 arg2) =>
        new Func2<T1, T2, TResult>(function, arg1, arg2);

    public static WorkItem<TResult> Of<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, T1 arg1, T2 arg2, T3 arg3) =>
        new Func3<T1, T2, T3, TResult>(function, arg1, arg2, arg3);

    public static WorkItem<NoResult> Of(Action action) => new Action0(action);

    public static WorkItem<NoResult> Of<T1>(Action<T1> action, T1 arg1) => new Action1<T1>(action, arg1);

    // Asynchronous delegates: the task is waited for where the call runs (a worker process unwraps it the same way).
    public static WorkItem<TResult> OfAsync<TResult>(Func<Task<TResult>> function) =>
        new Call<TResult>(function, [], _ => function().GetAwaiter().GetResult());

    public static WorkItem<TResult> OfAsync<T1, TResult>(Func<T1, Task<TResult>> function, T1 arg1) =>
        new Call<TResult>(function, [arg1], _ => function(arg1).GetAwaiter().GetResult());

    public static WorkItem<TResult> OfAsync<T1, T2, TResult>(Func<T1, T2, Task<TResult>> function, T1 arg1, T2 arg2) =>
        new Call<TResult>(function, [arg1, arg2], _ => function(arg1, arg2).GetAwaiter().GetResult());

    public static WorkItem<TResult> OfAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, Task<TResult>> function, T1 arg1, T2 arg2, T3 arg3) =>
        new Call<TResult>(function, [arg1, arg2, arg3], _ => function(arg1, arg2, arg3).GetAwaiter().GetResult());

    public static WorkItem<NoResult> OfAsync(Func<Task> action) =>
        new Call<NoResult>(action, [], _ => Wait(action()));

    public static WorkItem<NoResult> OfAsync<T1>(Func<T1, Task> action, T1 arg1) =>
        new Call<NoResult>(action, [arg1], _ => Wait(action(arg1)));

    // Delegates that take the task's token: the caller's here; a worker process passes its own, cancelled with it.
    public static WorkItem<TResult> OfCancellable<TResult>(Func<CancellationToken, TResult> function) =>
        new Call<TResult>(function, [default(CancellationToken)], function);

    public static WorkItem<TResult> OfCancellable<T1, TResult>(Func<T1, CancellationToken, TResult> function, T1 arg1) =>
        new Call<TResult>(function, [arg1, default(CancellationToken)], token => function(arg1, token));

    public static WorkItem<TResult> OfCancellableAsync<TResult>(Func<CancellationToken, Task<TResult>> function) =>
        new Call<TResult>(function, [default(CancellationToken)], token => function(token).GetAwaiter().GetResult());

    public static WorkItem<TResult> OfCancellableAsync<T1, TResult>(Func<T1, CancellationToken, Task<TResult>> function, T1 arg1) =>
        new Call<TResult>(function, [arg1, default(CancellationToken)], token => function(arg1, token).GetAwaiter().GetResult());

    public static WorkItem<NoResult> OfCancellable(Action<CancellationToken> action) =>
        new Call<NoResult>(action, [default(CancellationToken)], token =>
        {
            action(token);
            return default;
        });

    public static WorkItem<NoResult> OfCancellableAsync(Func<CancellationToken, Task> action) =>
        new Call<NoResult>(action, [default(CancellationToken)], token => Wait(action(token)));

    /// <summary>The local body of a map's asynchronous function: each item's task waited for in turn, on the worker.</summary>
    public static Func<T, TResult> Waiting<T, TResult>(Func<T, Task<TResult>> function) => item => function(item).GetAwaiter().GetResult();

    private static NoResult Wait(Task task)
    {
        task.GetAwaiter().GetResult();
        return default;
    }

    /// <summary>A call of the less common shapes (asynchronous, or taking a token): one class, its local run a closure.</summary>
    private sealed class Call<TResult>(Delegate function, object?[] arguments, Func<CancellationToken, TResult> local) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [.. arguments];

        public override TResult RunLocally(CancellationToken cancellationToken) => local(cancellationToken);
    }

    private sealed class Func0<TResult>(Func<TResult> function) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [];

        public override TResult RunLocally(CancellationToken cancellationToken) => function();
    }

    private sealed class Func1<T1, TResult>(Func<T1, TResult> function, T1 arg1) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [arg1];

        public override TResult RunLocally(CancellationToken cancellationToken) => function(arg1);

        // Instantiated over the caller's types: no precompiled code, so optimized at once rather than run at tier 0.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public override int WriteScalarArgument(Span<byte> into) => Codec.FastCodec.IsScalar<T1>() ? Codec.FastCodec.Write(arg1, into, out _) : -1;
    }

    private sealed class Func2<T1, T2, TResult>(Func<T1, T2, TResult> function, T1 arg1, T2 arg2) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [arg1, arg2];

        public override TResult RunLocally(CancellationToken cancellationToken) => function(arg1, arg2);
    }

    private sealed class Func3<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, T1 arg1, T2 arg2, T3 arg3)
        : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [arg1, arg2, arg3];

        public override TResult RunLocally(CancellationToken cancellationToken) => function(arg1, arg2, arg3);
    }

    private sealed class Action0(Action action) : WorkItem<NoResult>
    {
        public override Delegate Function => action;

        public override object?[] Arguments => [];

        public override NoResult RunLocally(CancellationToken cancellationToken)
        {
            action();
            return default;
        }
    }

    private sealed class Action1<T1>(Action<T1> action, T1 arg1) : WorkItem<NoResult>
    {
        public override Delegate Function => action;

        public override object?[] Arguments => [arg1];

        public override NoResult RunLocally(CancellationToken cancellationToken)
        {
            action(arg1);
            return default;
        }
    }
}
