namespace Multiprocessing.Pools;

/// <summary>One chunk of a map-style call queued in a <see cref="ThreadWorkerPool"/>: its items run in order, and the token is checked between them.</summary>
internal sealed class ThreadChunk<TArgs, TResult>(ThreadWorkerPool pool, ChunkItem<TArgs, TResult> chunk, CancellationToken token)
    : ThreadWork<TResult[]>(pool, chunk.InlineFollower, token)
{
    private readonly long timeoutTicks = ThreadWorkerPool.ToTicks(chunk.Timeout);

    public override long TimeoutTicksIn(ThreadWorkerPool pool) => timeoutTicks;

    protected override TResult[] Invoke()
    {
        ReadOnlySpan<TArgs> items = chunk.Items;
        Func<TArgs, TResult> local = chunk.Local;
        // Straight into the call's result array when the chunk has one (a Map), else into its own.
        TResult[] results = chunk.Destination ?? new TResult[items.Length];
        Span<TResult> into = results.AsSpan(chunk.Destination is null ? 0 : chunk.DestinationOffset, items.Length);
        CancellationToken token = Token;
        if (token.CanBeCanceled)
        {
            for (int i = 0; i < items.Length; i++)
            {
                token.ThrowIfCancellationRequested();
                into[i] = local(items[i]);
            }
        }
        else
        {
            for (int i = 0; i < items.Length; i++)
            {
                into[i] = local(items[i]);
            }
        }

        return results;
    }
}
