using System.Diagnostics;

namespace Multiprocessing;

/// <summary>Python's <c>multiprocessing.connection.wait</c>: waiting for the first of several objects.</summary>
public abstract partial class Connection
{
    /// <summary>
    /// Waits until at least one of <paramref name="objects"/> is ready, or <paramref name="timeout"/> passes, and
    /// returns those that are ready (Python's <c>multiprocessing.connection.wait(object_list, timeout)</c>).
    /// </summary>
    /// <typeparam name="T">The objects' type: <see cref="Connection"/>, <see cref="ChildProcess"/>, a
    /// <see cref="SharedQueue{T}"/>, or <see cref="object"/> for a mix.</typeparam>
    /// <param name="objects">
    /// What to wait on: a <see cref="Connection"/> is ready when <see cref="Receive{T}"/> would not wait (a message
    /// arrived, or the other end closed: the receive then throws <see cref="EndOfStreamException"/>); a
    /// <see cref="ChildProcess"/> once it has exited (Python's <c>sentinel</c>); a <see cref="SharedQueue{T}"/> when
    /// <c>Get</c> would not wait (an item is there, or adding is complete).
    /// </param>
    /// <param name="timeout">
    /// How long to wait; null (Python's <c>None</c>) or <see cref="Timeout.InfiniteTimeSpan"/> for ever. Zero, and
    /// any other negative value, look once and return at once, as Python's negative timeouts do.
    /// </param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The ready objects, in the order given; empty if the timeout passed first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="objects"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">An item is of a kind that cannot be waited on.</exception>
    /// <exception cref="ObjectDisposedException">An item was disposed.</exception>
    /// <exception cref="InvalidOperationException">A connection is a write-only end.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static IReadOnlyList<T> Wait<T>(IEnumerable<T> objects, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : class
    {
        (T[] items, IWaitReady[] waitables) = Check(objects);
        List<T> ready = Ready(items, waitables);
        if (ready.Count > 0 || IsPoll(timeout))
        {
            return ready;
        }

        return WaitSlowAsync(items, waitables, timeout, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>The asynchronous form of <see cref="Wait{T}"/>: the same objects, timeout and result.</summary>
    /// <typeparam name="T">The objects' type (see <see cref="Wait{T}"/>).</typeparam>
    /// <param name="objects">What to wait on (see <see cref="Wait{T}"/>).</param>
    /// <param name="timeout">How long to wait; null for ever; zero or negative: look once.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The ready objects, in the order given; empty if the timeout passed first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="objects"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">An item is of a kind that cannot be waited on.</exception>
    /// <exception cref="ObjectDisposedException">An item was disposed.</exception>
    /// <exception cref="InvalidOperationException">A connection is a write-only end.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static Task<IReadOnlyList<T>> WaitAsync<T>(IEnumerable<T> objects, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : class
    {
        (T[] items, IWaitReady[] waitables) = Check(objects);
        List<T> ready = Ready(items, waitables);
        if (ready.Count > 0 || IsPoll(timeout))
        {
            return Task.FromResult<IReadOnlyList<T>>(ready);
        }

        return WaitSlowAsync(items, waitables, timeout, cancellationToken);
    }

    /// <summary>
    /// Waits until at least one of <paramref name="objects"/> — connections, child processes and shared queues
    /// mixed, as Python's list of waitables is — is ready, or <paramref name="timeout"/> passes (see
    /// <see cref="Wait{T}"/>).
    /// </summary>
    /// <param name="objects">What to wait on (see <see cref="Wait{T}"/>).</param>
    /// <param name="timeout">How long to wait; null for ever; zero or negative: look once.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The ready objects, in the order given; empty if the timeout passed first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="objects"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">An item is of a kind that cannot be waited on.</exception>
    /// <exception cref="ObjectDisposedException">An item was disposed.</exception>
    /// <exception cref="InvalidOperationException">A connection is a write-only end.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static IReadOnlyList<object> Wait(IEnumerable<object> objects, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Wait<object>(objects, timeout, cancellationToken);

    /// <summary>The asynchronous form of <see cref="Wait(IEnumerable{object}, TimeSpan?, CancellationToken)"/>.</summary>
    /// <param name="objects">What to wait on (see <see cref="Wait{T}"/>).</param>
    /// <param name="timeout">How long to wait; null for ever; zero or negative: look once.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The ready objects, in the order given; empty if the timeout passed first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="objects"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">An item is of a kind that cannot be waited on.</exception>
    /// <exception cref="ObjectDisposedException">An item was disposed.</exception>
    /// <exception cref="InvalidOperationException">A connection is a write-only end.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static Task<IReadOnlyList<object>> WaitAsync(IEnumerable<object> objects, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitAsync<object>(objects, timeout, cancellationToken);

    /// <inheritdoc/>
    bool IWaitReady.IsReady => Poll(TimeSpan.Zero);

    /// <inheritdoc/>
    Task IWaitReady.WhenReadyAsync(CancellationToken cancellationToken) =>
        PollAsync(Timeout.InfiniteTimeSpan, cancellationToken).AsTask();

    private static bool IsPoll(TimeSpan? timeout) => timeout is { } t && t != Timeout.InfiniteTimeSpan && t <= TimeSpan.Zero;

    private static (T[] Items, IWaitReady[] Waitables) Check<T>(IEnumerable<T> objects)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(objects);
        T[] items = [.. objects];
        var waitables = new IWaitReady[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            waitables[i] = items[i] switch
            {
                null => throw new ArgumentNullException(nameof(objects), $"Item {i} of the objects to wait on is null."),
                IWaitReady w => w,
                T other => throw new ArgumentException(
                    $"Item {i} of the objects to wait on is a {Codec.TypeNames.Display(other.GetType())}, which cannot be waited on: " +
                    "give connections, child processes or shared queues.",
                    nameof(objects)),
            };
        }

        return (items, waitables);
    }

    private static List<T> Ready<T>(T[] items, IWaitReady[] waitables)
    {
        var ready = new List<T>();
        for (int i = 0; i < items.Length; i++)
        {
            if (waitables[i].IsReady)
            {
                ready.Add(items[i]);
            }
        }

        return ready;
    }

    private static async Task<IReadOnlyList<T>> WaitSlowAsync<T>(T[] items, IWaitReady[] waitables, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        bool forever = timeout is null || timeout == Timeout.InfiniteTimeSpan;
        while (true)
        {
            TimeSpan left = forever ? Timeout.InfiniteTimeSpan : timeout!.Value - Stopwatch.GetElapsedTime(start);
            if (!forever && left <= TimeSpan.Zero)
            {
                return Ready(items, waitables);
            }

            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var waits = new Task[waitables.Length];
                for (int i = 0; i < waitables.Length; i++)
                {
                    try
                    {
                        waits[i] = waitables[i].WhenReadyAsync(stop.Token);
                    }
                    catch (Exception e)
                    {
                        // Disposed (or made unreadable) since it was checked: the waits already begun end first.
                        waits[i] = Task.FromException(e);
                    }
                }

                Task first;
                try
                {
                    first = await Task.WhenAny(waits).WaitAsync(left, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    first = Task.CompletedTask;
                }
                finally
                {
                    // Every wait ends before this returns: none may outlive the call on an object its caller disposes next.
                    await stop.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAll(waits).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (first.IsFaulted)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first.Exception!.InnerException!);
                }
            }

            List<T> ready = Ready(items, waitables);
            if (ready.Count > 0)
            {
                return ready;
            }

            // Another reader took what woke this wait: wait again for what is left of the timeout.
        }
    }
}
