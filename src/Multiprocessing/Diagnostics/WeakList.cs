namespace Multiprocessing.Diagnostics;

/// <summary>A list of weak references, pruned as it is read: a registry that keeps nothing alive.</summary>
/// <typeparam name="T">Type of the items.</typeparam>
/// <param name="isLive">Whether an item still alive should be listed (and kept); null for all.</param>
internal sealed class WeakList<T>(Func<T, bool>? isLive = null)
    where T : class
{
    private readonly List<WeakReference<T>> items = [];

    public void Add(T item)
    {
        lock (items)
        {
            if (items.Count >= 64 && items.Count % 64 == 0)
            {
                Prune();
            }

            items.Add(new WeakReference<T>(item));
        }
    }

    public void Remove(T item)
    {
        lock (items)
        {
            items.RemoveAll(r => !r.TryGetTarget(out T? t) || ReferenceEquals(t, item));
        }
    }

    /// <summary>The items alive and live, oldest first; forgets the others.</summary>
    public List<T> Alive()
    {
        lock (items)
        {
            Prune();
            var alive = new List<T>(items.Count);
            foreach (WeakReference<T> r in items)
            {
                if (r.TryGetTarget(out T? t))
                {
                    alive.Add(t);
                }
            }

            return alive;
        }
    }

    private void Prune() => items.RemoveAll(r => !r.TryGetTarget(out T? t) || (isLive is not null && !isLive(t)));
}
