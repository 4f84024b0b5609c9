using Multiprocessing.Pools;

namespace Multiprocessing;

// Submit, ApplyAsync and Apply for each delegate shape (plain, asynchronous, taking a CancellationToken). The overloads without arguments carry the documentation;
// the others inherit it and add only their arguments. Each <inheritdoc> comes last: a tag written here wins over
// an inherited one of the same name. The compiler does not look into <inheritdoc> when it checks that every
// parameter is documented, hence the two warnings off (tests/Multiprocessing.Tests/Pools/ApplyDocsTests checks
// the expanded documentation instead).
#pragma warning disable CS1573 // Parameter has no matching param tag (it is inherited)
#pragma warning disable CS1712 // Type parameter has no matching typeparam tag (it is inherited)
public abstract partial class WorkerPool
{
    /// <summary>Queues <paramref name="function"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="TResult">Type of the result.</typeparam>
    /// <param name="function">What to run: a static method, a lambda or an instance method (a process pool also needs its captures and arguments to be encodable).</param>
    /// <param name="cancellationToken">Cancels the task while it waits in the queue (it then never runs). Once it runs, a <see cref="ThreadWorkerPool"/> lets it run on, and a <see cref="ProcessPool"/> stops its worker (see its remarks); to stop cooperatively, use an overload whose delegate takes a <see cref="CancellationToken"/>: it receives a token cancelled with this one, in the worker.</param>
    /// <returns>A task that completes with the result, or fails with the delegate's exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <exception cref="ArgumentNullException">The delegate is null.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed; <see cref="BrokenPoolException"/> once broken).</exception>
    /// <exception cref="QueueFullException">The queue is full and <see cref="PoolOptions.WhenQueueFull"/> is <see cref="QueueFullBehavior.Throw"/>.</exception>
    /// <remarks>The same call as <c>ApplyAsync</c> without callbacks. When the queue is bounded and full, this waits on the calling thread for a place (<see cref="QueueFullBehavior.Wait"/>).</remarks>
    public Task<TResult> Submit<TResult>(Func<TResult> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.Of(function), cancellationToken);
    }

    /// <summary>Queues <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, TResult>(Func<T1, TResult> function, T1 arg1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.Of(function, arg1), cancellationToken);
    }

    /// <summary>Queues <paramref name="function"/> with 2 arguments and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, T2, TResult>(Func<T1, T2, TResult> function, T1 arg1, T2 arg2, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.Of(function, arg1, arg2), cancellationToken);
    }

    /// <summary>Queues <paramref name="function"/> with 3 arguments and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, T1 arg1, T2 arg2, T3 arg3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.Of(function, arg1, arg2, arg3), cancellationToken);
    }

    /// <summary>Queues <paramref name="action"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <param name="action">What to run: a static method, a lambda or an instance method (a process pool also needs its captures and arguments to be encodable).</param>
    /// <returns>A task that completes when the delegate returns, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task Submit(Action action, CancellationToken cancellationToken = default) => SubmitVoid(action, cancellationToken);

    /// <summary>Queues <paramref name="action"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="Submit(Action, CancellationToken)"/>
    public Task Submit<T1>(Action<T1> action, T1 arg1, CancellationToken cancellationToken = default) => SubmitVoid(action, arg1, cancellationToken);

    /// <summary>Queues <paramref name="function"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <param name="callback">Called with the result when the task succeeds (Python's <c>callback</c>).</param>
    /// <param name="errorCallback">Called with the exception when the task fails, times out, is terminated or is cancelled (Python's <c>error_callback</c>).</param>
    /// <returns>A task that completes after the callback has returned: with the result, or failing as <c>Submit</c>'s would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <remarks>Callbacks run on a .NET thread-pool thread as soon as the task ends; keep them short. When the queue is bounded and full, this waits on the calling thread for a place.</remarks>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<TResult>(Func<TResult> function, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, cancellationToken), callback, errorCallback);

    /// <summary>Queues <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, TResult>(Func<T1, TResult> function, T1 arg1, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, cancellationToken), callback, errorCallback);

    /// <summary>Queues <paramref name="function"/> with 2 arguments and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, T2, TResult>(Func<T1, T2, TResult> function, T1 arg1, T2 arg2, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, arg2, cancellationToken), callback, errorCallback);

    /// <summary>Queues <paramref name="function"/> with 3 arguments and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, T1 arg1, T2 arg2, T3 arg3, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, arg2, arg3, cancellationToken), callback, errorCallback);

    /// <summary>Queues <paramref name="action"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <param name="action">What to run: a static method, a lambda or an instance method (a process pool also needs its captures and arguments to be encodable).</param>
    /// <param name="callback">Called when the task succeeds (Python's <c>callback</c>).</param>
    /// <returns>A task that completes after the callback has returned, or fails as <c>Submit</c>'s would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task ApplyAsync(Action action, Action? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(SubmitVoid(action, cancellationToken), callback, errorCallback);

    /// <summary>Queues <paramref name="action"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="ApplyAsync(Action, Action, Action{Exception}, CancellationToken)"/>
    public Task ApplyAsync<T1>(Action<T1> action, T1 arg1, Action? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(SubmitVoid(action, arg1, cancellationToken), callback, errorCallback);

    /// <summary>Runs <paramref name="function"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <param name="cancellationToken">Cancels the call while it waits in the queue; see <c>Submit</c>.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TimeoutException">The task ran longer than <see cref="PoolOptions.TaskTimeout"/>.</exception>
    /// <exception cref="PoolTerminatedException">The pool was terminated before the task finished.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the task started.</exception>
    /// <remarks>The delegate's own exception is thrown as itself. Called on one of this pool's workers while every other worker is busy, this waits for ever, as in Python.</remarks>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<TResult>(Func<TResult> function, CancellationToken cancellationToken = default)
        => Applied(function, static (p, f, ct) => p.Submit(f, ct), cancellationToken);

    /// <summary>Runs <paramref name="function"/>(<paramref name="arg1"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, TResult>(Func<T1, TResult> function, T1 arg1, CancellationToken cancellationToken = default)
        => Applied((function, arg1), static (p, s, ct) => p.Submit(s.function, s.arg1, ct), cancellationToken);

    /// <summary>Runs <paramref name="function"/> with 2 arguments on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, T2, TResult>(Func<T1, T2, TResult> function, T1 arg1, T2 arg2, CancellationToken cancellationToken = default)
        => Applied((function, arg1, arg2), static (p, s, ct) => p.Submit(s.function, s.arg1, s.arg2, ct), cancellationToken);

    /// <summary>Runs <paramref name="function"/> with 3 arguments on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, T1 arg1, T2 arg2, T3 arg3, CancellationToken cancellationToken = default)
        => Applied((function, arg1, arg2, arg3), static (p, s, ct) => p.Submit(s.function, s.arg1, s.arg2, s.arg3, ct), cancellationToken);

    /// <summary>Runs <paramref name="action"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <param name="action">What to run: a static method, a lambda or an instance method (a process pool also needs its captures and arguments to be encodable).</param>
    /// <param name="cancellationToken">Cancels the call while it waits in the queue; see <c>Submit</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed; <see cref="BrokenPoolException"/> once broken).</exception>
    /// <exception cref="QueueFullException">The queue is full and <see cref="PoolOptions.WhenQueueFull"/> is <see cref="QueueFullBehavior.Throw"/>.</exception>
    /// <exception cref="TimeoutException">The task ran longer than <see cref="PoolOptions.TaskTimeout"/>.</exception>
    /// <exception cref="PoolTerminatedException">The pool was terminated before the task finished.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the task started.</exception>
    /// <remarks>The delegate's own exception is thrown as itself. Called on one of this pool's workers while every other worker is busy, this waits for ever, as in Python.</remarks>
    public void Apply(Action action, CancellationToken cancellationToken = default)
        => Applied(action, static (p, a, ct) => p.SubmitVoid(a, ct), cancellationToken);

    /// <summary>Runs <paramref name="action"/>(<paramref name="arg1"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="Apply(Action, CancellationToken)"/>
    public void Apply<T1>(Action<T1> action, T1 arg1, CancellationToken cancellationToken = default)
        => Applied((action, arg1), static (p, s, ct) => p.SubmitVoid(s.action, s.arg1, ct), cancellationToken);

    // Asynchronous delegates (run to their end in the worker, their task unwrapped) and delegates that take the
    // task's CancellationToken (cancelled in the worker when the caller's is): the same three calls for each shape.
    // C# picks these over the plain ones above for async lambdas (Func<Task<T>> is more specific than Func<T>, as for
    // Task.Run), and a call that passes its token fills every parameter of a token-taking overload, which wins over a
    // plain overload that would take the token as an argument.
    /// <summary>Queues the asynchronous <paramref name="function"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <returns>A task that completes with the result of the delegate's task, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<TResult>(Func<Task<TResult>> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfAsync(function), cancellationToken);
    }

    /// <summary>Queues the asynchronous <paramref name="function"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<TResult>(Func<Task<TResult>> function, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, cancellationToken), callback, errorCallback);

    /// <summary>Runs the asynchronous <paramref name="function"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<TResult>(Func<Task<TResult>> function, CancellationToken cancellationToken = default)
        => Applied(function, static (p, f, ct) => p.Submit(f, ct), cancellationToken);

    /// <summary>Queues the asynchronous <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>A task that completes with the result of the delegate's task, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, TResult>(Func<T1, Task<TResult>> function, T1 arg1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfAsync(function, arg1), cancellationToken);
    }

    /// <summary>Queues the asynchronous <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, TResult>(Func<T1, Task<TResult>> function, T1 arg1, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, cancellationToken), callback, errorCallback);

    /// <summary>Runs the asynchronous <paramref name="function"/>(<paramref name="arg1"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, TResult>(Func<T1, Task<TResult>> function, T1 arg1, CancellationToken cancellationToken = default)
        => Applied((function, arg1), static (p, s, ct) => p.Submit(s.function, s.arg1, ct), cancellationToken);

    /// <summary>Queues the asynchronous <paramref name="function"/> with 2 arguments and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <returns>A task that completes with the result of the delegate's task, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, T2, TResult>(Func<T1, T2, Task<TResult>> function, T1 arg1, T2 arg2, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfAsync(function, arg1, arg2), cancellationToken);
    }

    /// <summary>Queues the asynchronous <paramref name="function"/> with 2 arguments and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, T2, TResult>(Func<T1, T2, Task<TResult>> function, T1 arg1, T2 arg2, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, arg2, cancellationToken), callback, errorCallback);

    /// <summary>Runs the asynchronous <paramref name="function"/> with 2 arguments on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, T2, TResult>(Func<T1, T2, Task<TResult>> function, T1 arg1, T2 arg2, CancellationToken cancellationToken = default)
        => Applied((function, arg1, arg2), static (p, s, ct) => p.Submit(s.function, s.arg1, s.arg2, ct), cancellationToken);

    /// <summary>Queues the asynchronous <paramref name="function"/> with 3 arguments and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <returns>A task that completes with the result of the delegate's task, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, T2, T3, TResult>(Func<T1, T2, T3, Task<TResult>> function, T1 arg1, T2 arg2, T3 arg3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfAsync(function, arg1, arg2, arg3), cancellationToken);
    }

    /// <summary>Queues the asynchronous <paramref name="function"/> with 3 arguments and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, Task<TResult>> function, T1 arg1, T2 arg2, T3 arg3, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, arg2, arg3, cancellationToken), callback, errorCallback);

    /// <summary>Runs the asynchronous <paramref name="function"/> with 3 arguments on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, T2, T3, TResult>(Func<T1, T2, T3, Task<TResult>> function, T1 arg1, T2 arg2, T3 arg3, CancellationToken cancellationToken = default)
        => Applied((function, arg1, arg2, arg3), static (p, s, ct) => p.Submit(s.function, s.arg1, s.arg2, s.arg3, ct), cancellationToken);

    /// <summary>Queues the asynchronous <paramref name="function"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <returns>A task that completes when the delegate's task does, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit(Action, CancellationToken)"/>
    public Task Submit(Func<Task> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfAsync(function), cancellationToken);
    }

    /// <summary>Queues the asynchronous <paramref name="function"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <returns>A task that completes after the callback has returned, or fails as <c>Submit</c>'s would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <inheritdoc cref="ApplyAsync(Action, Action, Action{Exception}, CancellationToken)"/>
    public Task ApplyAsync(Func<Task> function, Action? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return WithCallbacks(Run(WorkItems.OfAsync(function), cancellationToken), callback, errorCallback);
    }

    /// <summary>Runs the asynchronous <paramref name="function"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <inheritdoc cref="Apply(Action, CancellationToken)"/>
    public void Apply(Func<Task> function, CancellationToken cancellationToken = default)
        => Applied(function, static (p, f, ct) => p.Submit(f, ct), cancellationToken);

    /// <summary>Queues the asynchronous <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>A task that completes when the delegate's task does, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit(Action, CancellationToken)"/>
    public Task Submit<T1>(Func<T1, Task> function, T1 arg1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfAsync(function, arg1), cancellationToken);
    }

    /// <summary>Queues the asynchronous <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>A task that completes after the callback has returned, or fails as <c>Submit</c>'s would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <inheritdoc cref="ApplyAsync(Action, Action, Action{Exception}, CancellationToken)"/>
    public Task ApplyAsync<T1>(Func<T1, Task> function, T1 arg1, Action? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return WithCallbacks(Run(WorkItems.OfAsync(function, arg1), cancellationToken), callback, errorCallback);
    }

    /// <summary>Runs the asynchronous <paramref name="function"/>(<paramref name="arg1"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <param name="function">An asynchronous delegate (an <c>async</c> lambda or method): its task runs to its end in the worker, which it holds meanwhile (a worker runs one task at a time, as in Python), and the task returned here completes as that task does. A process pool also needs its captures and arguments to be encodable.</param>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="Apply(Action, CancellationToken)"/>
    public void Apply<T1>(Func<T1, Task> function, T1 arg1, CancellationToken cancellationToken = default)
        => Applied((function, arg1), static (p, s, ct) => p.Submit(s.function, s.arg1, ct), cancellationToken);

    /// <summary>Queues the cancellable <paramref name="function"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<TResult>(Func<CancellationToken, TResult> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfCancellable(function), cancellationToken);
    }

    /// <summary>Queues the cancellable <paramref name="function"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<TResult>(Func<CancellationToken, TResult> function, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, cancellationToken), callback, errorCallback);

    /// <summary>Runs the cancellable <paramref name="function"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<TResult>(Func<CancellationToken, TResult> function, CancellationToken cancellationToken = default)
        => Applied(function, static (p, f, ct) => p.Submit(f, ct), cancellationToken);

    /// <summary>Queues the cancellable <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, TResult>(Func<T1, CancellationToken, TResult> function, T1 arg1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfCancellable(function, arg1), cancellationToken);
    }

    /// <summary>Queues the cancellable <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, TResult>(Func<T1, CancellationToken, TResult> function, T1 arg1, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, cancellationToken), callback, errorCallback);

    /// <summary>Runs the cancellable <paramref name="function"/>(<paramref name="arg1"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, TResult>(Func<T1, CancellationToken, TResult> function, T1 arg1, CancellationToken cancellationToken = default)
        => Applied((function, arg1), static (p, s, ct) => p.Submit(s.function, s.arg1, ct), cancellationToken);

    /// <summary>Queues the asynchronous cancellable <paramref name="function"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>A task that completes with the result of the delegate's task, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<TResult>(Func<CancellationToken, Task<TResult>> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfCancellableAsync(function), cancellationToken);
    }

    /// <summary>Queues the asynchronous cancellable <paramref name="function"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<TResult>(Func<CancellationToken, Task<TResult>> function, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, cancellationToken), callback, errorCallback);

    /// <summary>Runs the asynchronous cancellable <paramref name="function"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<TResult>(Func<CancellationToken, Task<TResult>> function, CancellationToken cancellationToken = default)
        => Applied(function, static (p, f, ct) => p.Submit(f, ct), cancellationToken);

    /// <summary>Queues the asynchronous cancellable <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>A task that completes with the result of the delegate's task, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit{TResult}(Func{TResult}, CancellationToken)"/>
    public Task<TResult> Submit<T1, TResult>(Func<T1, CancellationToken, Task<TResult>> function, T1 arg1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfCancellableAsync(function, arg1), cancellationToken);
    }

    /// <summary>Queues the asynchronous cancellable <paramref name="function"/>(<paramref name="arg1"/>) and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <param name="arg1">The argument.</param>
    /// <inheritdoc cref="ApplyAsync{TResult}(Func{TResult}, Action{TResult}, Action{Exception}, CancellationToken)"/>
    public Task<TResult> ApplyAsync<T1, TResult>(Func<T1, CancellationToken, Task<TResult>> function, T1 arg1, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
        => WithCallbacks(Submit(function, arg1, cancellationToken), callback, errorCallback);

    /// <summary>Runs the asynchronous cancellable <paramref name="function"/>(<paramref name="arg1"/>) on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <typeparam name="T1">Type of the argument.</typeparam>
    /// <typeparam name="TResult">Type of the result (of the delegate's task, for an asynchronous one).</typeparam>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>The result of the delegate's task.</returns>
    /// <inheritdoc cref="Apply{TResult}(Func{TResult}, CancellationToken)"/>
    public TResult Apply<T1, TResult>(Func<T1, CancellationToken, Task<TResult>> function, T1 arg1, CancellationToken cancellationToken = default)
        => Applied((function, arg1), static (p, s, ct) => p.Submit(s.function, s.arg1, ct), cancellationToken);

    /// <summary>Queues the cancellable <paramref name="action"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <param name="action">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>A task that completes when the delegate's task does, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit(Action, CancellationToken)"/>
    public Task Submit(Action<CancellationToken> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Run(WorkItems.OfCancellable(action), cancellationToken);
    }

    /// <summary>Queues the cancellable <paramref name="action"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <param name="action">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>A task that completes after the callback has returned, or fails as <c>Submit</c>'s would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <inheritdoc cref="ApplyAsync(Action, Action, Action{Exception}, CancellationToken)"/>
    public Task ApplyAsync(Action<CancellationToken> action, Action? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return WithCallbacks(Run(WorkItems.OfCancellable(action), cancellationToken), callback, errorCallback);
    }

    /// <summary>Runs the cancellable <paramref name="action"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <param name="action">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <inheritdoc cref="Apply(Action, CancellationToken)"/>
    public void Apply(Action<CancellationToken> action, CancellationToken cancellationToken = default)
        => Applied(action, static (p, a, ct) => p.Submit(a, ct), cancellationToken);

    /// <summary>Queues the asynchronous cancellable <paramref name="function"/> and returns its task at once (Python's <c>executor.submit</c>).</summary>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>A task that completes when the delegate's task does, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>
    /// <inheritdoc cref="Submit(Action, CancellationToken)"/>
    public Task Submit(Func<CancellationToken, Task> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(WorkItems.OfCancellableAsync(function), cancellationToken);
    }

    /// <summary>Queues the asynchronous cancellable <paramref name="function"/> and returns its task at once (Python's <c>apply_async</c>), with optional callbacks.</summary>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <returns>A task that completes after the callback has returned, or fails as <c>Submit</c>'s would. If a callback throws, the task fails with the callback's exception.</returns>
    /// <inheritdoc cref="ApplyAsync(Action, Action, Action{Exception}, CancellationToken)"/>
    public Task ApplyAsync(Func<CancellationToken, Task> function, Action? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return WithCallbacks(Run(WorkItems.OfCancellableAsync(function), cancellationToken), callback, errorCallback);
    }

    /// <summary>Runs the asynchronous cancellable <paramref name="function"/> on a worker and waits for it (Python's <c>apply</c>).</summary>
    /// <param name="function">What to run; it takes a <see cref="CancellationToken"/>, which the pool cancels when <paramref name="cancellationToken"/> is, wherever the task runs: in a process pool, in the worker (the token is not encoded), and a worker whose task has not ended <see cref="ProcessPoolOptions.CancelGracePeriod"/> later is killed; a task that stops early keeps its worker. Capture no token of your own: take this one. Asynchronous: its task runs to its end in the worker, which it holds meanwhile.</param>
    /// <param name="cancellationToken">Cancels the task: while queued, it never runs; once it runs, the token the delegate received is cancelled; the task then ends as cancelled whether the delegate returns or throws.</param>
    /// <inheritdoc cref="Apply(Action, CancellationToken)"/>
    public void Apply(Func<CancellationToken, Task> function, CancellationToken cancellationToken = default)
        => Applied(function, static (p, f, ct) => p.Submit(f, ct), cancellationToken);


    /// <summary>Submits an <c>Apply</c>'s call (<paramref name="submit"/>, a static lambda over <paramref name="state"/>: nothing allocated) and waits for its result.</summary>
    private TResult Applied<TState, TResult>(TState state, Func<WorkerPool, TState, CancellationToken, Task<TResult>> submit, CancellationToken cancellationToken)
    {
        Task<TResult> task = SubmitApplied(state, submit, cancellationToken);
        WaitApplied(task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Submits an <c>Apply</c>'s call that has no result and waits for it.</summary>
    private void Applied<TState>(TState state, Func<WorkerPool, TState, CancellationToken, Task> submit, CancellationToken cancellationToken)
    {
        Task task = SubmitApplied(state, submit, cancellationToken);
        WaitApplied(task);
        task.GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="submit"/> with this thread marked as an <c>Apply</c>'s (see <see cref="applying"/>), and the mark cleared however it ends.</summary>
    private TTask SubmitApplied<TState, TTask>(TState state, Func<WorkerPool, TState, CancellationToken, TTask> submit, CancellationToken cancellationToken)
        where TTask : Task
    {
        applying = true;
        try
        {
            return submit(this, state, cancellationToken);
        }
        finally
        {
            applying = false;
        }
    }

    // The task of an action, typed so that WithCallbacks can tell it from a function's.
    private Task<NoResult> SubmitVoid(Action action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Run(WorkItems.Of(action), cancellationToken);
    }

    private Task<NoResult> SubmitVoid<T1>(Action<T1> action, T1 arg1, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Run(WorkItems.Of(action, arg1), cancellationToken);
    }

    // Without callbacks, the pool's own task is returned as it is.
    private static Task<TResult> WithCallbacks<TResult>(Task<TResult> task, Action<TResult>? callback, Action<Exception>? errorCallback)
        => callback is null && errorCallback is null ? task : CallingBack(task, callback, errorCallback);

    private static Task WithCallbacks(Task<NoResult> task, Action? callback, Action<Exception>? errorCallback)
        => callback is null && errorCallback is null ? task : CallingBack(task, callback, errorCallback);

    private static async Task<TResult> CallingBack<TResult>(Task<TResult> task, Action<TResult>? callback, Action<Exception>? errorCallback)
    {
        TResult result;
        try
        {
            result = await task.ConfigureAwait(false);
        }
        catch (Exception e) when (errorCallback is not null)
        {
            errorCallback(e);
            throw;
        }

        callback?.Invoke(result);
        return result;
    }

    private static async Task CallingBack(Task<NoResult> task, Action? callback, Action<Exception>? errorCallback)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (errorCallback is not null)
        {
            errorCallback(e);
            throw;
        }

        callback?.Invoke();
    }
}
