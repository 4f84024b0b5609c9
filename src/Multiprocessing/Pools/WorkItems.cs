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

    private sealed class Func0<TResult>(Func<TResult> function) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [];

        public override TResult RunLocally() => function();
    }

    private sealed class Func1<T1, TResult>(Func<T1, TResult> function, T1 arg1) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [arg1];

        public override TResult RunLocally() => function(arg1);
    }

    private sealed class Func2<T1, T2, TResult>(Func<T1, T2, TResult> function, T1 arg1, T2 arg2) : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [arg1, arg2];

        public override TResult RunLocally() => function(arg1, arg2);
    }

    private sealed class Func3<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, T1 arg1, T2 arg2, T3 arg3)
        : WorkItem<TResult>
    {
        public override Delegate Function => function;

        public override object?[] Arguments => [arg1, arg2, arg3];

        public override TResult RunLocally() => function(arg1, arg2, arg3);
    }

    private sealed class Action0(Action action) : WorkItem<NoResult>
    {
        public override Delegate Function => action;

        public override object?[] Arguments => [];

        public override NoResult RunLocally()
        {
            action();
            return default;
        }
    }

    private sealed class Action1<T1>(Action<T1> action, T1 arg1) : WorkItem<NoResult>
    {
        public override Delegate Function => action;

        public override object?[] Arguments => [arg1];

        public override NoResult RunLocally()
        {
            action(arg1);
            return default;
        }
    }
}
