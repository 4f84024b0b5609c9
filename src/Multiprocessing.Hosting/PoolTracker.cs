namespace Multiprocessing.Hosting;

/// <summary>
/// The pools the container has made so far, in the order it made them: at the host's start, or later when a pool
/// was first resolved. The hosted service drains these when the host stops, and no other.
/// </summary>
internal sealed class PoolTracker
{
    private readonly Lock gate = new();
    private readonly List<(string Name, WorkerPool Pool)> pools = [];

    /// <summary>Records a pool the container has just made.</summary>
    /// <param name="name">The name it was registered with.</param>
    /// <param name="pool">The pool.</param>
    public void Add(string name, WorkerPool pool)
    {
        lock (gate)
        {
            pools.Add((name, pool));
        }
    }

    /// <summary>The pools made so far.</summary>
    /// <returns>A copy, in the order they were made.</returns>
    public (string Name, WorkerPool Pool)[] Snapshot()
    {
        lock (gate)
        {
            return [.. pools];
        }
    }
}
