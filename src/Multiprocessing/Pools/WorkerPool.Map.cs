using System.Buffers;
using System.Runtime.CompilerServices;
using Multiprocessing.Pools;

namespace Multiprocessing;

public abstract partial class WorkerPool
{
    /// <summary>
    /// Runs <paramref name="function"/> on every item, in chunks spread over the workers, and waits for all the
    /// results (Python's <c>map</c>).
    /// </summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule, ceil(items / (4 × <see cref="WorkerCount"/>)).</param>
    /// <param name="progress">Told how many items are done so far after each chunk (counts only go up); or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started; a running chunk stops before its next item where the pool can (threads).</param>
    /// <returns>One result per item, in the items' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>
    /// If an item's call throws, that exception is thrown as itself as soon as its chunk ends (the rest of that
    /// chunk does not run), and the chunks not yet started are cancelled. A chunk is one task for
    /// <see cref="PoolOptions.TaskTimeout"/> (which it gets once per item) and <see cref="Counters"/>.
    /// </remarks>
    public TResult[] Map<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore(function, function, false, items, chunkSize, progress, true, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="function"/> on every item, in chunks spread over the workers (Python's <c>map_async</c>).</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule, ceil(items / (4 × <see cref="WorkerCount"/>)).</param>
    /// <param name="progress">Told how many items are done so far after each chunk (counts only go up); or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task of one result per item, in the items' order; it fails with the first exception an item's call throws.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <remarks>When the queue is bounded and full, the chunks wait for their places without blocking the caller.</remarks>
    public Task<TResult[]> MapAsync<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore(function, function, false, items, chunkSize, progress, false, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="function"/> on every item, in chunks spread over the workers, then calls
    /// <paramref name="callback"/> with all the results or <paramref name="errorCallback"/> with the failure (Python's
    /// <c>map_async(func, iterable, chunksize, callback, error_callback)</c>).
    /// </summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="callback">Called with the results, in the items' order, once every item succeeded (Python's <c>callback</c>); or null.</param>
    /// <param name="errorCallback">Called with the exception when the map fails, times out, is terminated or is cancelled (Python's <c>error_callback</c>); or null.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule, ceil(items / (4 × <see cref="WorkerCount"/>)).</param>
    /// <param name="progress">Told how many items are done so far after each chunk (counts only go up); or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task that completes after the callback has returned: with the results, or failing as the map's would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <remarks>The callbacks run on a thread of this process (a thread-pool thread), as Python's run on the pool's result thread: keep them short.</remarks>
    public Task<TResult[]> MapAsync<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, Action<TResult[]>? callback, Action<Exception>? errorCallback = null, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        Task<TResult[]> task = MapAsync(function, items, chunkSize, progress, cancellationToken);
        return callback is null && errorCallback is null ? task : WithCallbacks(task, callback, errorCallback);
    }

    /// <summary>
    /// Runs <paramref name="function"/> on the fields of every pair, in chunks, then calls <paramref name="callback"/>
    /// with all the results or <paramref name="errorCallback"/> with the failure (Python's
    /// <c>starmap_async(func, iterable, chunksize, callback, error_callback)</c>).
    /// </summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each pair's fields.</param>
    /// <param name="items">The argument pairs; read once, now, into an array.</param>
    /// <param name="callback">Called with the results, in the pairs' order, once every call succeeded; or null.</param>
    /// <param name="errorCallback">Called with the exception when the map fails, times out, is terminated or is cancelled; or null.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task that completes after the callback has returned (see <see cref="MapAsync{T, TResult}(Func{T, TResult}, IEnumerable{T}, Action{TResult[]}?, Action{Exception}?, int, IProgress{int}?, CancellationToken)"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public Task<TResult[]> StarmapAsync<T1, T2, TResult>(Func<T1, T2, TResult> function, IEnumerable<(T1, T2)> items, Action<TResult[]>? callback, Action<Exception>? errorCallback = null, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        Task<TResult[]> task = StarmapAsync(function, items, chunkSize, progress, cancellationToken);
        return callback is null && errorCallback is null ? task : WithCallbacks(task, callback, errorCallback);
    }

    /// <summary>Runs <paramref name="function"/> on the fields of every pair, in chunks, and waits for all the results (Python's <c>starmap</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each pair's fields.</param>
    /// <param name="items">The argument pairs; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started.</param>
    /// <returns>One result per pair, in the pairs' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>Errors as in <see cref="Map{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, IProgress{int}?, CancellationToken)"/>.</remarks>
    public TResult[] Starmap<T1, T2, TResult>(Func<T1, T2, TResult> function, IEnumerable<(T1, T2)> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore<(T1, T2), TResult>(function, t => function(t.Item1, t.Item2), true, items, chunkSize, progress, true, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="function"/> on the fields of every triple, in chunks, and waits for all the results (Python's <c>starmap</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each triple's fields.</param>
    /// <param name="items">The argument triples; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started.</param>
    /// <returns>One result per triple, in the triples' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>Errors as in <see cref="Map{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, IProgress{int}?, CancellationToken)"/>.</remarks>
    public TResult[] Starmap<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, IEnumerable<(T1, T2, T3)> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore<(T1, T2, T3), TResult>(function, t => function(t.Item1, t.Item2, t.Item3), true, items, chunkSize, progress, true, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="function"/> on the fields of every pair, in chunks (Python's <c>starmap_async</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each pair's fields.</param>
    /// <param name="items">The argument pairs; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task of one result per pair, in the pairs' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public Task<TResult[]> StarmapAsync<T1, T2, TResult>(Func<T1, T2, TResult> function, IEnumerable<(T1, T2)> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore<(T1, T2), TResult>(function, t => function(t.Item1, t.Item2), true, items, chunkSize, progress, false, cancellationToken);
    }

    /// <summary>Runs <paramref name="function"/> on the fields of every triple, in chunks (Python's <c>starmap_async</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each triple's fields.</param>
    /// <param name="items">The argument triples; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task of one result per triple, in the triples' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public Task<TResult[]> StarmapAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, IEnumerable<(T1, T2, T3)> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore<(T1, T2, T3), TResult>(function, t => function(t.Item1, t.Item2, t.Item3), true, items, chunkSize, progress, false, cancellationToken);
    }

    /// <summary>Python's default chunk size: ceil(<paramref name="items"/> / (4 × workers)).</summary>
    private int AutoChunkSize(int items) => (int)(((long)items + (4L * WorkerCount) - 1) / (4L * WorkerCount));

    /// <summary>The one map: copies the input, cuts it into chunks, submits them (<paramref name="blocking"/>: waiting for queue places on this thread), and gathers the results.</summary>
    private Task<TResult[]> MapCore<TArgs, TResult>(
        Delegate function, Func<TArgs, TResult> local, bool spread, IEnumerable<TArgs> items, int chunkSize, IProgress<int>? progress, bool blocking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        ThrowIfNotAccepting();
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult[]>(cancellationToken);
        }

        // A copy, as Python's list(iterable): later changes to the caller's collection do not reach the chunks.
        // Where the chunks are encoded as they are submitted, the copy is rented, and returned once they all are.
        (ArraySegment<TArgs> input, bool rented) = TakesChunkItemsAtSubmission ? RentedCopy(items) : (new ArraySegment<TArgs>([.. items]), false);
        if (input.Count == 0)
        {
            return Task.FromResult(Array.Empty<TResult>());
        }

        int size = chunkSize > 0 ? chunkSize : AutoChunkSize(input.Count);
        int chunks = (int)(((long)input.Count + size - 1) / size);
        var job = new MapJob<TResult>(input.Count, chunks, progress, cancellationToken);
        ValueTask submitting = SubmitChunksAsync(job, function, local, spread, input, rented, size, blocking);
        if (!submitting.IsCompleted)
        {
            // Waiting asynchronously for places in a bounded queue; the job ends however that goes.
            _ = submitting.AsTask();
        }

        return job.Task;
    }

    /// <summary>The items, copied into an array from <see cref="ArrayPool{T}.Shared"/> (rented) when their count is known up front, else into a new one.</summary>
    private static (ArraySegment<TArgs> Items, bool Rented) RentedCopy<TArgs>(IEnumerable<TArgs> items)
    {
        if (!items.TryGetNonEnumeratedCount(out int count) || count == 0)
        {
            return (new ArraySegment<TArgs>([.. items]), false);
        }

        TArgs[]? rented = ArrayPool<TArgs>.Shared.Rent(count);
        try
        {
            if (items is ICollection<TArgs> collection)
            {
                collection.CopyTo(rented, 0);
                return (new ArraySegment<TArgs>(rented, 0, count), true);
            }

            int n = 0;
            foreach (TArgs item in items)
            {
                if (n == count)
                {
                    // The count was wrong after all: copy plainly.
                    ReturnRented(rented);
                    rented = null;
                    return (new ArraySegment<TArgs>([.. items]), false);
                }

                rented[n++] = item;
            }

            return (new ArraySegment<TArgs>(rented, 0, n), true);
        }
        catch
        {
            // The collection changed under the copy, or its enumeration threw: give the array back, and let the caller see why.
            if (rented is not null)
            {
                ReturnRented(rented);
            }

            throw;
        }
    }

    private static void ReturnRented<TArgs>(TArgs[] rented) =>
        ArrayPool<TArgs>.Shared.Return(rented, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<TArgs>());

    /// <summary>Cuts <paramref name="input"/> into chunks and submits them; gives back a <paramref name="rented"/> input array once all are.</summary>
    private async ValueTask SubmitChunksAsync<TArgs, TResult>(
        MapJob<TResult> job, Delegate function, Func<TArgs, TResult> local, bool spread, ArraySegment<TArgs> input, bool rented, int size, bool blocking)
    {
        try
        {
            for (int start = 0; start < input.Count; start += size)
            {
                int count = Math.Min(size, input.Count - start);
                var chunk = new ChunkItem<TArgs, TResult>(function, input.Slice(start, count), spread, local, ChunkTimeout(count))
                {
                    InlineFollower = !job.ReportsProgress,
                    Destination = job.Results,
                    DestinationOffset = start,
                };
                Task<TResult[]> task = blocking
                    ? SubmitChunk(chunk, job.Token)
                    : await SubmitChunkAsync(chunk, job.Token).ConfigureAwait(false);
                job.Track(task, start, count);
                if (job.Task.IsCompleted)
                {
                    // Failed or cancelled: the rest would only be cancelled.
                    break;
                }
            }
        }
        catch (Exception e)
        {
            job.Fail(e);
        }
        finally
        {
            if (rented)
            {
                ReturnRented(input.Array!);
            }

            job.SubmissionEnded();
        }
    }
}
