using Multiprocessing.Pools;
using Multiprocessing.Processes;

namespace Multiprocessing;

/// <summary>
/// A view of a pool whose tasks receive a state built once in each worker (mpire's <c>worker_state</c>, the globals
/// a loky or <c>multiprocessing</c> initializer sets): made by <see cref="WorkerPool.WithWorkerState{TState}"/>.
/// </summary>
/// <typeparam name="TState">The state: anything, even what cannot cross processes (a client, a stream, a cache): only its factory is sent to the workers.</typeparam>
/// <remarks>
/// The factory runs in a worker, after the pool's initializer, the first time a task of this view runs there; its
/// result is kept in that worker for the view's later tasks (a thread pool's worker is its thread). A factory
/// that throws fails that task, and runs again for the next. For a process pool the factory, like the functions,
/// is encoded in the caller: a static lambda, or one whose captures can cross.
/// </remarks>
/// <example>
/// <code>
/// using var pool = new ProcessPool();
/// var withClient = pool.WithWorkerState(() => new HttpClient());       // one client per worker
/// int[] lengths = withClient.Map((HttpClient c, string url) => c.GetStringAsync(url).Result.Length, urls);
/// </code>
/// </example>
public sealed class WorkerStatePool<TState>
{
    private readonly Func<TState> factory;
    private readonly byte[]? encodedFactory;
    private readonly string key = Guid.NewGuid().ToString("N");

    internal WorkerStatePool(WorkerPool pool, Func<TState> factory)
    {
        Pool = pool;
        this.factory = factory;
        encodedFactory = pool.EncodesDelegates ? DelegatePayload.EncodeFunction(factory) : null; // Throws here if it cannot cross.
    }

    /// <summary>The pool the tasks run in.</summary>
    public WorkerPool Pool { get; }

    /// <summary>Queues <paramref name="function"/>(state, <paramref name="arg"/>) and returns its task at once; the state is this worker's.</summary>
    /// <typeparam name="T">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result.</typeparam>
    /// <param name="function">What to run, given the worker's state and the argument.</param>
    /// <param name="arg">The argument.</param>
    /// <param name="cancellationToken">Cancels the task as <see cref="WorkerPool.Submit{T1, TResult}(Func{T1, TResult}, T1, CancellationToken)"/>'s does.</param>
    /// <returns>A task that completes with the result, or fails as <c>Submit</c>'s would (or with the factory's exception).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException">A process pool cannot encode the function.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public Task<TResult> Submit<T, TResult>(Func<TState, T, TResult> function, T arg, CancellationToken cancellationToken = default) =>
        Pool.Submit(Bind(function), arg, cancellationToken);

    /// <summary>Runs <paramref name="function"/>(state, <paramref name="arg"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result.</typeparam>
    /// <param name="function">What to run, given the worker's state and the argument.</param>
    /// <param name="arg">The argument.</param>
    /// <param name="cancellationToken">Cancels the call as <c>Apply</c>'s does.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException">A process pool cannot encode the function.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public TResult Apply<T, TResult>(Func<TState, T, TResult> function, T arg, CancellationToken cancellationToken = default) =>
        Pool.Apply(Bind(function), arg, cancellationToken);

    /// <summary>Runs <paramref name="function"/>(state, item) on every item, in chunks spread over the workers, and waits for all the results (Python's <c>map</c>).</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item, given the state of the worker that runs it.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started.</param>
    /// <returns>One result per item, in the items' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentException">A process pool cannot encode the function.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public TResult[] Map<T, TResult>(Func<TState, T, TResult> function, IEnumerable<T> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Pool.Map(Bind(function), items, chunkSize, progress, cancellationToken);

    /// <summary>Runs <paramref name="function"/>(state, item) on every item, in chunks spread over the workers (Python's <c>map_async</c>).</summary>
    /// <typeparam name="T">Type of an item.</typeparam>
    /// <typeparam name="TResult">Type of a result.</typeparam>
    /// <param name="function">What to run on each item, given the state of the worker that runs it.</param>
    /// <param name="items">The items; read once, now, into an array.</param>
    /// <param name="chunkSize">Items per task; 0 (the default) for Python's rule.</param>
    /// <param name="progress">Told how many items are done so far after each chunk; or null.</param>
    /// <param name="cancellationToken">Cancels the chunks not yet started, and the returned task at once.</param>
    /// <returns>A task of one result per item, in the items' order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentException">A process pool cannot encode the function.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed).</exception>
    public Task<TResult[]> MapAsync<T, TResult>(Func<TState, T, TResult> function, IEnumerable<T> items, int chunkSize = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Pool.MapAsync(Bind(function), items, chunkSize, progress, cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"WorkerStatePool<{typeof(TState).Name}>({Pool})";

    /// <summary>The function of one argument the pool runs: the worker's state, then the user's function with it.</summary>
    private Func<T, TResult> Bind<T, TResult>(Func<TState, T, TResult> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (encodedFactory is null)
        {
            string k = key;
            Func<TState> f = factory;
            return arg => function(WorkerStates.Get(k, f), arg);
        }

        return new StatefulCall<TState, T, TResult>(key, encodedFactory, DelegatePayload.EncodeFunction(function)).Invoke;
    }
}
