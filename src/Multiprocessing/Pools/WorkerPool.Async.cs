using Multiprocessing.Pools;

namespace Multiprocessing;

// Map and Imap of asynchronous functions: each item's task runs to its end in the worker (one at a time per worker,
// as in Python), and the results are those tasks' results. C# picks these over the plain overloads for async
// lambdas and methods (Func<T, Task<TResult>> is more specific than Func<T, TResult>, as for Task.Run).
public abstract partial class WorkerPool
{
    /// <summary>
    /// Runs the asynchronous <paramref name="function"/> on every item, in chunks spread over the workers, and waits
    /// for all the results (Python's <c>map</c>). Each item's task runs to its end in the worker, which it holds
    /// meanwhile; a chunk's items run one after the other.
    /// </summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result (of an item's task).</typeparam>
    /// <param name="function">The asynchronous delegate (an <c>async</c> lambda or method) to run on each item.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule, ceil(items / (4 × <see cref="WorkerCount"/>)).</param>
    /// <param name="progress">Told how many items are done so far after each chunk (counts only go up); or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started; a running chunk stops before its next item where the pool can (threads).</param>
    /// <returns>One result per item, in the items' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>Errors as in <see cref="Map{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, IProgress{int}?, CancellationToken)"/>: a faulted item's exception is thrown as the item's call's would be.</remarks>
    public TResult[] Map<T, TResult>(Func<T, Task<TResult>> function, IEnumerable<T> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore(function, WorkItems.Waiting(function), false, items, chunkSize, progress, true, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>Runs the asynchronous <paramref name="function"/> on every item, in chunks spread over the workers (Python's <c>map_async</c>); each item's task runs to its end in the worker.</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result (of an item's task).</typeparam>
    /// <param name="function">The asynchronous delegate (an <c>async</c> lambda or method) to run on each item.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule, ceil(items / (4 × <see cref="WorkerCount"/>)).</param>
    /// <param name="progress">Told how many items are done so far after each chunk (counts only go up); or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task of one result per item, in the items' order; it fails with the first exception an item's task ends with.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public Task<TResult[]> MapAsync<T, TResult>(Func<T, Task<TResult>> function, IEnumerable<T> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapCore(function, WorkItems.Waiting(function), false, items, chunkSize, progress, false, cancellationToken);
    }

    /// <summary>
    /// Runs the asynchronous <paramref name="function"/> on every item and yields the results in the items' order as
    /// they come (Python's <c>imap</c>); each item's task runs to its end in the worker.
    /// </summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result (of an item's task).</typeparam>
    /// <param name="function">The asynchronous delegate (an <c>async</c> lambda or method) to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1, as in Python).</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration: waits throw <see cref="OperationCanceledException"/> and the chunks not yet started are cancelled.</param>
    /// <returns>The results, one per item, in order. Nothing runs until the enumeration starts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public IEnumerable<TResult> Imap<T, TResult>(Func<T, Task<TResult>> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapIterator(function, WorkItems.Waiting(function), false, items, chunkSize, window, true, cancellationToken);
    }

    /// <summary>Runs the asynchronous <paramref name="function"/> on every item and yields the results as they end, in any order (Python's <c>imap_unordered</c>).</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result (of an item's task).</typeparam>
    /// <param name="function">The asynchronous delegate (an <c>async</c> lambda or method) to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1); a chunk's results come together, in its order.</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration: waits throw <see cref="OperationCanceledException"/> and the chunks not yet started are cancelled.</param>
    /// <returns>The results, one per item, in the order their chunks ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public IEnumerable<TResult> ImapUnordered<T, TResult>(Func<T, Task<TResult>> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapIterator(function, WorkItems.Waiting(function), false, items, chunkSize, window, false, cancellationToken);
    }

    /// <summary>The asynchronous <see cref="Imap{T, TResult}(Func{T, Task{TResult}}, IEnumerable{T}, int, int, CancellationToken)"/>: an async stream of the results of the asynchronous <paramref name="function"/>, in the items' order.</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result (of an item's task).</typeparam>
    /// <param name="function">The asynchronous delegate (an <c>async</c> lambda or method) to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1, as in Python).</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration (so does the token given to <c>WithCancellation</c>).</param>
    /// <returns>The results, one per item, in order. Nothing runs until the enumeration starts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public IAsyncEnumerable<TResult> ImapAsync<T, TResult>(Func<T, Task<TResult>> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapAsyncIterator(function, WorkItems.Waiting(function), false, items, chunkSize, window, true, cancellationToken);
    }

    /// <summary>The asynchronous <see cref="ImapUnordered{T, TResult}(Func{T, Task{TResult}}, IEnumerable{T}, int, int, CancellationToken)"/>: an async stream of the results of the asynchronous <paramref name="function"/>, as they end.</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result (of an item's task).</typeparam>
    /// <param name="function">The asynchronous delegate (an <c>async</c> lambda or method) to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1); a chunk's results come together, in its order.</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration (so does the token given to <c>WithCancellation</c>).</param>
    /// <returns>The results, one per item, in the order their chunks ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public IAsyncEnumerable<TResult> ImapUnorderedAsync<T, TResult>(Func<T, Task<TResult>> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapAsyncIterator(function, WorkItems.Waiting(function), false, items, chunkSize, window, false, cancellationToken);
    }

    /// <summary>
    /// A view of this pool whose tasks receive a state that <paramref name="factory"/> builds once in each worker
    /// (mpire's <c>worker_state</c>; the globals a Python initializer sets): for what is costly to build, or cannot
    /// cross processes (a client, a stream, a cache), and would otherwise be built per task or sent with each.
    /// </summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="factory">Builds a worker's state, in that worker, after the initializer, before its first task of the view. A process pool encodes it in the caller, as a task's function.</param>
    /// <returns>The view: <c>Submit</c>, <c>Apply</c>, <c>Map</c> and <c>MapAsync</c> of functions that take the state first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentException">A process pool cannot encode <paramref name="factory"/>.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <example><c>pool.WithWorkerState(() => new HttpClient()).Map((HttpClient c, string url) => ..., urls)</c></example>
    public WorkerStatePool<TState> WithWorkerState<TState>(Func<TState> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ThrowIfNotAccepting();
        return new WorkerStatePool<TState>(this, factory);
    }
}
