namespace Multiprocessing.Pools;

/// <summary>
/// One <c>Map</c>/<c>Starmap</c> call in flight: gathers its chunks' results in input order, reports progress,
/// and ends with the whole result, the first failure (cancelling the chunks still queued), or the caller's
/// cancellation.
/// </summary>
/// <typeparam name="TResult">One item's result.</typeparam>
internal sealed class MapJob<TResult>
{
    private readonly TResult[] results;
    private readonly TaskCompletionSource<TResult[]> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource cancel;
    private readonly CancellationToken callerToken;
    private readonly IProgress<int>? progress;
    private readonly Lock progressGate = new();
    private int chunksLeft;
    private int pending = 1;
    private int itemsDone;
    private int itemsReported;

    /// <param name="items">How many input items, so results.</param>
    /// <param name="chunks">How many chunks they are cut into.</param>
    /// <param name="progress">Told the number of items done so far, after each chunk; or null.</param>
    /// <param name="callerToken">The caller's token: cancelling it cancels the job at once.</param>
    public MapJob(int items, int chunks, IProgress<int>? progress, CancellationToken callerToken)
    {
        results = new TResult[items];
        chunksLeft = chunks;
        this.progress = progress;
        this.callerToken = callerToken;
        cancel = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        cancel.Token.UnsafeRegister(static s => ((MapJob<TResult>)s!).OnCancelled(), this);
    }

    /// <summary>The token the job's chunks run under: cancelled by the caller, or by the job after a failure.</summary>
    public CancellationToken Token => cancel.Token;

    /// <summary>The results, in input order, which chunks may fill in place (see <see cref="ChunkItem{TArgs, TResult}.Destination"/>).</summary>
    public TResult[] Results => results;

    /// <summary>Whether a progress handler (user code) runs when a chunk ends.</summary>
    public bool ReportsProgress => progress is not null;

    /// <summary>The job's outcome.</summary>
    public Task<TResult[]> Task => done.Task;

    /// <summary>
    /// Follows a submitted chunk of <paramref name="count"/> items whose first is <paramref name="offset"/> in the input. Runs on the thread
    /// that ends the chunk when the chunk's task allows it (<see cref="ChunkItem{TArgs, TResult}.InlineFollower"/>):
    /// it only copies the results and, for the last chunk, completes <see cref="Task"/>, whose own continuations
    /// (the caller's) run asynchronously.
    /// </summary>
    public void Track(Task<TResult[]> chunk, int offset, int count)
    {
        Interlocked.Increment(ref pending);
        chunk.ContinueWith(
            static (t, s) =>
            {
                var (job, offset, count) = ((MapJob<TResult>, int, int))s!;
                job.OnChunkEnded(t, offset, count);
            },
            (this, offset, count),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Submission failed (the pool stopped, or a full queue that throws): the job fails with <paramref name="error"/>.</summary>
    public void Fail(Exception error)
    {
        if (done.Task.IsCompleted)
        {
            return;
        }

        // The rest is cancelled before the caller learns of the failure, so that nothing the caller does next
        // (such as releasing what a running chunk waits for) lets a queued chunk start.
        cancel.Cancel();
        done.TrySetException(error);
    }

    /// <summary>Every chunk has been submitted (or submission failed).</summary>
    public void SubmissionEnded() => Release();

    private void OnChunkEnded(Task<TResult[]> chunk, int offset, int count)
    {
        try
        {
            if (chunk.IsCompletedSuccessfully)
            {
                TResult[] part = chunk.Result;
                if (!ReferenceEquals(part, results))
                {
                    part.CopyTo(results, offset); // The chunk did not write its results in place.
                }

                int total = Interlocked.Add(ref itemsDone, count);
                if (progress is not null)
                {
                    // Reports only ever go up: a chunk that ended earlier but got here later is folded into the later count.
                    lock (progressGate)
                    {
                        if (total > itemsReported)
                        {
                            itemsReported = total;
                            progress.Report(total);
                        }
                    }
                }

                if (Interlocked.Decrement(ref chunksLeft) == 0)
                {
                    done.TrySetResult(results);
                }
            }
            else if (chunk.IsFaulted)
            {
                Fail(chunk.Exception.InnerException ?? chunk.Exception);
            }

            // A cancelled chunk: either the caller cancelled (OnCancelled ends the job), or the job cancelled
            // the rest after a failure, which is already its outcome.
        }
        catch (Exception e)
        {
            // The progress handler threw.
            Fail(e);
        }
        finally
        {
            Release();
        }
    }

    private void OnCancelled()
    {
        if (callerToken.IsCancellationRequested)
        {
            done.TrySetCanceled(callerToken);
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref pending) == 0)
        {
            cancel.Dispose();
        }
    }
}
