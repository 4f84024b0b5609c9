namespace Multiprocessing.Pools;

/// <summary>
/// The states of <see cref="WorkerStatePool{TState}"/>s in this worker: one per view, built by its factory the
/// first time a task of that view runs here. Per thread, which is per worker: a process pool's worker runs its
/// tasks on one thread, a thread pool's worker is a thread.
/// </summary>
internal static class WorkerStates
{
    [ThreadStatic]
    private static Dictionary<string, object?>? states;

    /// <summary>The state of view <paramref name="key"/> in this worker, built now by <paramref name="factory"/> if it is the first task here. A factory that throws fails the task, and runs again for the next.</summary>
    public static TState Get<TState>(string key, Func<TState> factory)
    {
        states ??= [];
        if (!states.TryGetValue(key, out object? state))
        {
            state = factory();
            states[key] = state;
        }

        return (TState)state!;
    }
}
