using System.Collections.Concurrent;
using Multiprocessing.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing;

/// <summary>
/// A pool of dedicated threads that run delegates (Python's <c>ThreadPoolExecutor</c> and
/// <c>multiprocessing.pool.ThreadPool</c>, and the seed's hand-written <c>ThreadPool</c>): threads are created
/// on demand up to <see cref="WorkerPool.WorkerCount"/> and reused; the queue can be bounded; tasks can report
/// to callbacks; <see cref="WorkerPool.Close"/> finishes the queued work, <see cref="WorkerPool.Terminate"/> drops it.
/// </summary>
/// <remarks>
/// <para>
/// Its threads are its own (background threads named <c>{Name} thread N</c>), not the .NET thread pool's, so a
/// task may block for as long as it likes without starving anything else, and <see cref="WorkerPool.Counters"/>
/// counts real threads: a new one is started when a task is queued, no thread is idle and fewer than
/// <see cref="WorkerPool.WorkerCount"/> exist (the seed's rule); a thread that finds the queue empty spins
/// briefly, then sleeps until a task comes. Tasks run without the submitter's <see cref="ExecutionContext"/>
/// (<c>AsyncLocal</c> values do not flow), as they would in a process pool.
/// </para>
/// <para>
/// A thread cannot be stopped from outside in .NET. So a task that runs past <see cref="PoolOptions.TaskTimeout"/>
/// fails with a <see cref="TimeoutException"/> at once, but its thread goes on running the delegate: the pool
/// gives that thread up (it no longer counts as alive, <see cref="WorkerPool.Join()"/> does not wait for it, and
/// it ends when the delegate returns) and starts another thread in its place when there is work. To stop such
/// work for real, pass it a <see cref="CancellationToken"/> and have it check the token, or use a process pool.
/// Likewise <see cref="WorkerPool.Terminate"/> fails the running tasks at once, while their delegates run to
/// their end, after which the threads stop (the seed's terminate).
/// </para>
/// <para>
/// <see cref="ProcessPoolOptions"/> are refused: threads share one heap and cannot be killed. The initializer runs on each
/// new thread before its first task; if it throws, the pool is broken (see <see cref="BrokenPoolException"/>).
/// </para>
/// </remarks>
/// <example>
/// The seed's <c>pool = ThreadPool(5)</c>, <c>pool.put(action, (i,), callback)</c>, <c>pool.close()</c>:
/// <code>
/// using var pool = new ThreadWorkerPool(5);
/// for (int i = 0; i &lt; 100; i++)
/// {
///     pool.ApplyAsync(Action, i, callback: r => Console.WriteLine(r), errorCallback: e => Console.WriteLine(e.Message));
/// }
///
/// Console.WriteLine($"{pool.Counters.WorkersStarted} threads, {pool.Counters.WorkersIdle} idle");
/// pool.Close();
/// pool.Join();
/// </code>
/// </example>
public sealed partial class ThreadWorkerPool : WorkerPool
{
    private static int poolCounter;

    [ThreadStatic]
    private static ThreadWorkerPool? currentPool;

    private readonly ConcurrentQueue<IThreadWork> queue = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly Lock gate = new();
    private readonly List<ThreadWorker> workers = [];
    private HotCounts hot;
    private int threadsStarted;

    /// <summary>Creates a pool; no thread starts until the first task.</summary>
    /// <param name="options">Worker count, initializer, limits and queue bound; null for the defaults (<see cref="Environment.ProcessorCount"/> threads, unbounded queue).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or a time in <paramref name="options"/> is zero or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> is a <see cref="ProcessPoolOptions"/> (for process pools only).</exception>
    public ThreadWorkerPool(PoolOptions? options = null)
        : base(options, $"ThreadWorkerPool-{Interlocked.Increment(ref poolCounter)}")
    {
        if (options is ProcessPoolOptions)
        {
            throw new ArgumentException(
                "ProcessPoolOptions are for a ProcessPool: a ThreadWorkerPool takes PoolOptions. Its threads share one heap (no memory per worker to measure or give back) and cannot be killed (a cancelled task stops when it watches its token).",
                nameof(options));
        }

        TaskTimeoutTicks = ToTicks(TaskTimeout);
        recordsThroughTallies = true;
    }

    /// <summary>Creates a pool of at most <paramref name="workerCount"/> threads (Python's <c>ThreadPool(n)</c>, <c>ThreadPoolExecutor(n)</c>); no thread starts until the first task.</summary>
    /// <param name="workerCount">The most threads the pool runs at once.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workerCount"/> is less than 1.</exception>
    public ThreadWorkerPool(int workerCount)
        : this(new PoolOptions { WorkerCount = workerCount })
    {
    }

    /// <inheritdoc/>
    private protected override bool IsWorkerThread => currentPool == this;

    /// <summary>The per-task timeout in <see cref="System.Diagnostics.Stopwatch"/> ticks; 0 for none.</summary>
    internal long TaskTimeoutTicks { get; }

    /// <summary>A timeout in <see cref="System.Diagnostics.Stopwatch"/> ticks, 0 for <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    internal static long ToTicks(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? 0 : Math.Max(1, (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));

    /// <summary>A new exception for one task the pool ends because it was terminated or broke.</summary>
    internal Exception NewStopException() => StopException();

    /// <summary>A queued task ended without running.</summary>
    internal void CountDroppedTask() => CountDropped();

    /// <summary>A running task was stopped by the pool (a timeout or a terminate), not ended by its thread.</summary>
    internal void CountTaskStoppedByPool(long startedAt, TaskOutcome outcome, Exception error) => CountStoppedByPool(startedAt, outcome, error);

    /// <inheritdoc/>
    private protected override Task<TResult> RunAsync<TResult>(WorkItem<TResult> item, CancellationToken cancellationToken)
    {
        var work = new ThreadTask<TResult>(this, item, cancellationToken);
        PostTraced(work, Diagnostics.Tracing.StartTask(Name, -1, System.Diagnostics.ActivityKind.Internal));
        return work.Task;
    }

    /// <inheritdoc/>
    private protected override Task<TResult[]> RunChunkAsync<TArgs, TResult>(ChunkItem<TArgs, TResult> chunk, CancellationToken cancellationToken)
    {
        var work = new ThreadChunk<TArgs, TResult>(this, chunk, cancellationToken);
        PostTraced(work, Diagnostics.Tracing.StartTask(Name, chunk.Items.Count, System.Diagnostics.ActivityKind.Internal));
        return work.Task;
    }

    /// <inheritdoc/>
    private protected override void OnClose()
    {
        WakeAll();
        AfterWorkerLeft();
    }

    /// <inheritdoc/>
    private protected override void OnTerminate()
    {
        WakeAll();
        while (queue.TryDequeue(out IThreadWork? work))
        {
            work.TryDrop(this);
        }

        ThreadWorker[] running;
        lock (gate)
        {
            running = [.. workers];
        }

        foreach (ThreadWorker worker in running)
        {
            // A worker may have taken a task and not started it yet: then it is still queued.
            if (worker.Current is IThreadWork work && !work.TryDrop(this))
            {
                work.TryEndRunning(this, worker.StartedAt);
            }
        }

        AfterWorkerLeft();
    }
}
