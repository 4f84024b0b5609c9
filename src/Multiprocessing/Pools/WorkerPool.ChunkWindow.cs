using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Multiprocessing.Pools;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

public abstract partial class WorkerPool
{
    /// <summary>
    /// The chunks of one <c>Imap</c>/<c>ImapUnordered</c> enumeration in flight: reads the source only when a
    /// place in the window is free (so at most read-ahead chunks beyond what the consumer has taken), submits
    /// each chunk, and hands them back in input order or as they end.
    /// </summary>
    private sealed class ChunkWindow<TArgs, TResult> : IDisposable
    {
        private readonly WorkerPool pool;
        private readonly Delegate function;
        private readonly Func<TArgs, TResult> local;
        private readonly bool spread;
        private readonly int chunkSize;
        private readonly int readAhead;
        private readonly bool ordered;
        private readonly IEnumerator<TArgs> source;
        private readonly CancellationTokenSource cancel;
        private readonly CancellationToken consumerToken;
        private readonly Queue<Task<TResult[]>> inOrder = new();
        private readonly ConcurrentQueue<Task<TResult[]>> ended = new();
        private readonly SemaphoreSlim endedCount = new(0);
        private int inFlight;
        private bool sourceDone;
        private ExceptionDispatchInfo? sourceError;

        public ChunkWindow(
            WorkerPool pool, Delegate function, Func<TArgs, TResult> local, bool spread, IEnumerable<TArgs> items, int chunkSize, int readAhead, bool ordered, CancellationToken consumerToken)
        {
            this.pool = pool;
            this.function = function;
            this.local = local;
            this.spread = spread;
            this.chunkSize = chunkSize;
            this.readAhead = readAhead;
            this.ordered = ordered;
            this.consumerToken = consumerToken;
            cancel = CancellationTokenSource.CreateLinkedTokenSource(consumerToken);
            source = items.GetEnumerator();
        }

        /// <summary>
        /// The next chunk's results, or null when none is left: checks the consumer's token, tops the window up
        /// (reading and submitting chunks, waiting for queue places on this thread), takes the next chunk and waits for it.
        /// </summary>
        /// <remarks>Once every chunk read before the source threw has been handed out, throws the source's exception, as itself; a chunk's exception is thrown as itself too.</remarks>
        public TResult[]? NextResults() => Blocking.Wait(NextResults<Blocking>());

        /// <summary>The asynchronous <see cref="NextResults()"/>.</summary>
        public ValueTask<TResult[]?> NextResultsAsync() => NextResults<Awaiting>();

        /// <summary>The one body of <see cref="NextResults()"/> and <see cref="NextResultsAsync"/>.</summary>
        private async ValueTask<TResult[]?> NextResults<TMode>()
            where TMode : IWaitMode
        {
            consumerToken.ThrowIfCancellationRequested();
            await Fill<TMode>().ConfigureAwait(false);
            Task<TResult[]>? chunk = await Next<TMode>().ConfigureAwait(false);
            if (chunk is null)
            {
                return null;
            }

            return TMode.IsAsync ? await chunk.WaitAsync(consumerToken).ConfigureAwait(false) : Results(chunk);
        }

        /// <summary>Reads and submits chunks until the window is full or the source ends.</summary>
        private async ValueTask Fill<TMode>()
            where TMode : IWaitMode
        {
            while (inFlight < readAhead && TryReadChunk(out ArraySegment<TArgs> items))
            {
                Track(await pool.SubmitChunk<TMode, TArgs, TResult>(Chunk(items), cancel.Token).ConfigureAwait(false));
            }
        }

        /// <summary>The next chunk to hand out: the oldest (ordered), or one that has ended (unordered, waiting for it); null when none is left. Only an unordered window waits.</summary>
        private ValueTask<Task<TResult[]>?> Next<TMode>()
            where TMode : IWaitMode
        {
            if (inFlight == 0)
            {
                ThrowSourceError();
                return new((Task<TResult[]>?)null);
            }

            inFlight--;
            return ordered ? new(inOrder.Dequeue()) : TakeEndedAfterWait<TMode>();
        }

        private async ValueTask<Task<TResult[]>?> TakeEndedAfterWait<TMode>()
            where TMode : IWaitMode
        {
            await TMode.Wait(endedCount, consumerToken).ConfigureAwait(false);
            return TakeEnded();
        }

        /// <summary>Waits on this thread for <paramref name="chunk"/> and returns its results, or throws its exception as itself.</summary>
        private TResult[] Results(Task<TResult[]> chunk)
        {
            if (!chunk.IsCompleted)
            {
                try
                {
                    chunk.Wait(consumerToken);
                }
                catch (AggregateException)
                {
                    // Thrown unwrapped just below.
                }
            }

            return chunk.GetAwaiter().GetResult();
        }

        /// <summary>Stops: cancels the chunks not yet started (running ones stop before their next item where the pool can) and disposes the source.</summary>
        public void Dispose()
        {
            cancel.Cancel();
            cancel.Dispose();
            source.Dispose();
        }

        private void ThrowSourceError()
        {
            ExceptionDispatchInfo? error = sourceError;
            sourceError = null;
            error?.Throw();
        }

        private Task<TResult[]> TakeEnded()
        {
            bool taken = ended.TryDequeue(out Task<TResult[]>? chunk);
            System.Diagnostics.Debug.Assert(taken, "a release of endedCount follows each enqueue");
            return chunk!;
        }

        private ChunkItem<TArgs, TResult> Chunk(ArraySegment<TArgs> items) => new(function, items, spread, local, pool.ChunkTimeout(items.Count));

        /// <summary>
        /// Reads the next chunk's items; false at the end of the source. Never asks the source again once it said it
        /// had no more, or threw: then the items read before still make a chunk, and the exception waits in
        /// <see cref="sourceError"/> until every chunk read before it has been handed out (Python's <c>imap</c> too
        /// yields the results before the item whose reading failed, then raises).
        /// </summary>
        private bool TryReadChunk(out ArraySegment<TArgs> items)
        {
            items = default;
            if (sourceDone)
            {
                return false;
            }

            var buffer = new TArgs[chunkSize];
            int n = 0;
            while (n < chunkSize)
            {
                try
                {
                    if (!source.MoveNext())
                    {
                        sourceDone = true;
                        break;
                    }

                    buffer[n] = source.Current;
                }
                catch (Exception e)
                {
                    sourceDone = true;
                    sourceError = ExceptionDispatchInfo.Capture(e);
                    break;
                }

                n++;
            }

            if (n == 0)
            {
                return false;
            }

            items = new ArraySegment<TArgs>(buffer, 0, n);
            return true;
        }

        private void Track(Task<TResult[]> chunk)
        {
            inFlight++;
            if (ordered)
            {
                inOrder.Enqueue(chunk);
                return;
            }

            chunk.ContinueWith(
                static (t, s) =>
                {
                    var window = (ChunkWindow<TArgs, TResult>)s!;
                    window.ended.Enqueue(t);
                    window.endedCount.Release();
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
