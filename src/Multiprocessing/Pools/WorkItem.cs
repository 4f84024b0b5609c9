namespace Multiprocessing.Pools;

/// <summary>
/// One <c>Apply</c>/<c>Submit</c> call as the base hands it to a pool's core: the user's delegate and its
/// arguments (for a pool that encodes them), and a way to run the call in this process without reflection (for
/// a pool that runs it here). Made by <see cref="WorkItems"/>; one object per call, arguments kept typed.
/// </summary>
/// <typeparam name="TResult">What the task returns; <see cref="NoResult"/> when <see cref="Function"/> is an <see cref="Action"/>.</typeparam>
/// <remarks>Its timeout is the pool's <c>TaskTimeout</c>; a chunk's, <see cref="ChunkItem{TArgs, TResult}.Timeout"/>.</remarks>
internal abstract class WorkItem<TResult>
{
    /// <summary>The delegate the user passed: <c>Func&lt;...,TResult&gt;</c>, or <c>Action</c>/<c>Action&lt;T1&gt;</c> when <typeparamref name="TResult"/> is <see cref="NoResult"/>.</summary>
    public abstract Delegate Function { get; }

    /// <summary>
    /// The call's arguments in order (empty for none), boxed, for encoding: a new array on each read. A parameter of
    /// type <see cref="CancellationToken"/> has a placeholder here: it is never encoded, the worker passes its own.
    /// </summary>
    public abstract object?[] Arguments { get; }

    /// <summary>
    /// Runs <see cref="Function"/> with its arguments on the calling thread and returns its result (<c>default</c> for
    /// an action); an asynchronous delegate's task is waited for here, so the call holds its worker until it ends.
    /// </summary>
    /// <param name="cancellationToken">The caller's token, given to a delegate that takes a <see cref="CancellationToken"/>.</param>
    /// <returns>The delegate's result.</returns>
    public abstract TResult RunLocally(CancellationToken cancellationToken);

    /// <summary>
    /// Writes the call's one argument in the codec's scalar form (see <see cref="Codec.FastCodec"/>) into
    /// <paramref name="into"/> (<see cref="Codec.FastCodec.MaxScalarSize"/> bytes at least) and returns its length;
    /// -1 if the call has not exactly one argument, of a scalar type.
    /// </summary>
    public virtual int WriteScalarArgument(Span<byte> into) => -1;

    /// <summary>The call is an <c>Apply</c>'s: its caller waits for its result at once, on the thread that submitted it (see <see cref="WorkerPool.WaitApplied"/>).</summary>
    public bool CallerWaits { get; set; }
}
