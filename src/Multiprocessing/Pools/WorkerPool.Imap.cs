using System.Runtime.CompilerServices;

namespace Multiprocessing;

public abstract partial class WorkerPool
{
    /// <summary>
    /// Runs <paramref name="function"/> on every item and yields the results in the items' order as they come
    /// (Python's <c>imap</c>), reading the items only a bounded distance ahead of the consumer.
    /// </summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1, as in Python).</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration: waits throw <see cref="OperationCanceledException"/> and the chunks not yet started are cancelled.</param>
    /// <returns>The results, one per item, in order. Nothing runs until the enumeration starts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <remarks>
    /// An item's exception is thrown, as itself, when the enumeration reaches that item. If reading
    /// <paramref name="items"/> throws, the results of the items read before come first, then that exception, as
    /// itself (as in Python). Leaving the enumeration early (<c>break</c>, an exception) cancels the chunks not yet started.
    /// </remarks>
    public IEnumerable<TResult> Imap<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapIterator(function, function, false, items, chunkSize, window, true, cancellationToken);
    }

    /// <summary>Runs <paramref name="function"/> on every item and yields the results as they end, in any order (Python's <c>imap_unordered</c>).</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1); a chunk's results come together, in its order.</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration: waits throw <see cref="OperationCanceledException"/> and the chunks not yet started are cancelled.</param>
    /// <returns>The results, one per item, in the order their chunks ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <remarks>
    /// An item's exception is thrown, as itself, when its chunk's turn comes. If reading <paramref name="items"/>
    /// throws, that exception comes, as itself, after the results of every item read before it. Leaving early
    /// cancels the chunks not yet started.
    /// </remarks>
    public IEnumerable<TResult> ImapUnordered<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapIterator(function, function, false, items, chunkSize, window, false, cancellationToken);
    }

    /// <summary>The asynchronous <see cref="Imap{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, int, CancellationToken)"/>: an async stream of the results in the items' order.</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1, as in Python).</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration (so does the token given to <c>WithCancellation</c>).</param>
    /// <returns>The results, one per item, in order. Nothing runs until the enumeration starts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    /// <remarks>Waiting for results and for places in a bounded queue blocks no thread. Errors and early exits as in <see cref="Imap{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, int, CancellationToken)"/>.</remarks>
    public IAsyncEnumerable<TResult> ImapAsync<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapAsyncIterator(function, function, false, items, chunkSize, window, true, cancellationToken);
    }

    /// <summary>The asynchronous <see cref="ImapUnordered{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, int, CancellationToken)"/>: an async stream of the results as they end.</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item.</param>
    /// <param name="items">The items, read lazily: at most <paramref name="readAhead"/> × <paramref name="chunkSize"/> beyond the results already taken.</param>
    /// <param name="chunkSize">Items per task (default 1); a chunk's results come together, in its order.</param>
    /// <param name="readAhead">Chunks in flight at most; 0 (the default) for 2 × <see cref="WorkerCount"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration (so does the token given to <c>WithCancellation</c>).</param>
    /// <returns>The results, one per item, in the order their chunks ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkSize"/> is less than 1 or <paramref name="readAhead"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public IAsyncEnumerable<TResult> ImapUnorderedAsync<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize = 1, int readAhead = 0, CancellationToken cancellationToken = default)
    {
        int window = CheckImap(function, items, chunkSize, readAhead);
        return ImapAsyncIterator(function, function, false, items, chunkSize, window, false, cancellationToken);
    }

    /// <summary>Validates an <c>Imap</c> call up front (not at the first <c>MoveNext</c>) and returns its window in chunks.</summary>
    private int CheckImap<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, int chunkSize, int readAhead)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(readAhead);
        ThrowIfNotAccepting();
        return readAhead > 0 ? readAhead : 2 * WorkerCount;
    }

    private IEnumerable<TResult> ImapIterator<TArgs, TResult>(
        Delegate function, Func<TArgs, TResult> local, bool spread, IEnumerable<TArgs> items, int chunkSize, int readAhead, bool ordered, CancellationToken cancellationToken)
    {
        using var window = new ChunkWindow<TArgs, TResult>(this, function, local, spread, items, chunkSize, readAhead, ordered, cancellationToken);
        while (window.NextResults() is { } results)
        {
            foreach (TResult result in results)
            {
                yield return result;
            }
        }
    }

    private async IAsyncEnumerable<TResult> ImapAsyncIterator<TArgs, TResult>(
        Delegate function,
        Func<TArgs, TResult> local,
        bool spread,
        IEnumerable<TArgs> items,
        int chunkSize,
        int readAhead,
        bool ordered,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var window = new ChunkWindow<TArgs, TResult>(this, function, local, spread, items, chunkSize, readAhead, ordered, cancellationToken);
        while (await window.NextResultsAsync().ConfigureAwait(false) is { } results)
        {
            foreach (TResult result in results)
            {
                yield return result;
            }
        }
    }
}
