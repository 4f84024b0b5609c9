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
        var results = new TResult[items.Length];
        CancellationToken token = Token;
        if (token.CanBeCanceled)
        {
            for (int i = 0; i < items.Length; i++)
            {
                token.ThrowIfCancellationRequested();
                results[i] = local(items[i]);
            }
        }
        else
        {
            for (int i = 0; i < items.Length; i++)
            {
                results[i] = local(items[i]);
            }
        }

        return results;
    }
}
