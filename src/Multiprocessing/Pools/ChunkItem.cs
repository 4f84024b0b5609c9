namespace Multiprocessing.Pools;

/// <summary>
/// One chunk of a map-style call (<c>Map</c>, <c>Imap</c>, <c>Starmap</c>...): a run of consecutive input items
/// that one worker handles as one task, in order, giving one result per item.
/// </summary>
/// <typeparam name="TArgs">One input item: the argument of <see cref="Function"/> (<c>Map</c>), or a value tuple of its arguments (<c>Starmap</c>, with <see cref="Spread"/>).</typeparam>
/// <typeparam name="TResult">What <see cref="Function"/> returns.</typeparam>
/// <param name="Function">The delegate the user passed: <c>Func&lt;T,TResult&gt;</c>, <c>Func&lt;T1,T2,TResult&gt;</c> or <c>Func&lt;T1,T2,T3,TResult&gt;</c>.</param>
/// <param name="Items">The chunk's input items, a slice of the call's input.</param>
/// <param name="Spread">True when each item is a value tuple whose fields are <see cref="Function"/>'s parameters (<c>Starmap</c>); false when the item is its only parameter.</param>
/// <param name="Local">Runs <see cref="Function"/> on one item in the calling process, without reflection (spreading the tuple itself).</param>
/// <param name="Timeout">How long the whole chunk may run once started (the per-task timeout times the item count); <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for no limit.</param>
internal sealed class ChunkItem<TArgs, TResult>(Delegate Function, ArraySegment<TArgs> Items, bool Spread, Func<TArgs, TResult> Local, TimeSpan Timeout)
{
    public Delegate Function { get; } = Function;

    public ArraySegment<TArgs> Items { get; } = Items;

    public bool Spread { get; } = Spread;

    public Func<TArgs, TResult> Local { get; } = Local;

    public TimeSpan Timeout { get; } = Timeout;

    /// <summary>
    /// True when the chunk's task is followed only by the library's own short continuation (a <c>Map</c>'s
    /// gatherer with no progress handler): that continuation may then run on the thread that completes the chunk
    /// (the worker's reader, or the pool thread), instead of costing a hop through the thread pool per chunk.
    /// </summary>
    public bool InlineFollower { get; init; }

    /// <summary>
    /// The whole call's result array, if the chunk may write its results straight into it, from
    /// <see cref="DestinationOffset"/> on (a <c>Map</c>): its task then completes with that array rather than one
    /// of its own. Null: the chunk's task completes with a new array of its results.
    /// </summary>
    public TResult[]? Destination { get; init; }

    /// <summary>Where the chunk's first result goes in <see cref="Destination"/>.</summary>
    public int DestinationOffset { get; init; }
}
