using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Multiprocessing.Hosting;

/// <summary>
/// Starts the registered pools with the host and drains them when it stops; see
/// <see cref="WorkerPoolServiceCollectionExtensions"/> for what a user sees.
/// </summary>
internal sealed partial class WorkerPoolHostedService(
    IServiceProvider services,
    IEnumerable<PoolRegistration> registrations,
    PoolTracker tracker,
    ILogger<WorkerPoolHostedService> logger) : IHostedService
{
    /// <summary>
    /// How long <see cref="StopAsync"/> waits, after the host's shutdown timeout, for the killed workers of a process
    /// pool to be gone. A killed process goes at once; this only bounds the wait if the kernel is slow to reap it.
    /// </summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    /// <summary>Makes every registered pool and waits until each has run one empty task per worker.</summary>
    /// <param name="cancellationToken">The host's start token.</param>
    /// <returns>A task that completes once every pool is warm.</returns>
    /// <exception cref="InvalidOperationException">A pool cannot be made from its settings, or it broke (its initializer threw); the pools made so far are terminated.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var warmUps = new List<Task>();
            foreach (PoolRegistration registration in registrations)
            {
                WorkerPool pool = services.GetRequiredKeyedService<WorkerPool>(registration.Name);
                warmUps.Add(WarmUpAsync(registration.Name, pool, cancellationToken));
            }

            await Task.WhenAll(warmUps).ConfigureAwait(false);
        }
        catch
        {
            // The host does not stop services whose start failed: stop their workers here, so that none is left.
            foreach ((_, WorkerPool pool) in tracker.Snapshot())
            {
                pool.Terminate();
            }

            throw;
        }
    }

    /// <summary>
    /// Closes every pool the container made, waits for their tasks until <paramref name="cancellationToken"/> fires
    /// (the host's shutdown timeout), then terminates what is left, waits for killed workers, and disposes the pools.
    /// </summary>
    /// <param name="cancellationToken">Fires when the host's shutdown timeout runs out.</param>
    /// <returns>A task that completes when the pools are stopped (or, for a thread pool's delegates still running, abandoned).</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        (string Name, WorkerPool Pool)[] pools = tracker.Snapshot();
        var joins = new Task[pools.Length];
        for (int i = 0; i < pools.Length; i++)
        {
            (string name, WorkerPool pool) = pools[i];
            PoolCounters counters = pool.Counters;
            LogDraining(name, counters.Running, counters.Queued);
            pool.Close();
            joins[i] = pool.JoinAsync(CancellationToken.None);
        }

        try
        {
            await Task.WhenAll(joins).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TerminateAsync(pools, joins).ConfigureAwait(false);
        }

        for (int i = 0; i < pools.Length; i++)
        {
            if (joins[i].IsCompleted)
            {
                await pools[i].Pool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Submits one empty task per worker and waits for them: the workers are started and initialized.</summary>
    private async Task WarmUpAsync(string name, WorkerPool pool, CancellationToken cancellationToken)
    {
        var probes = new Task[pool.WorkerCount];
        for (int i = 0; i < probes.Length; i++)
        {
            probes[i] = pool.Submit(PoolProbe.Nothing, cancellationToken);
        }

        try
        {
            await Task.WhenAll(probes).ConfigureAwait(false);
        }
        catch (BrokenPoolException e)
        {
            throw new InvalidOperationException($"The pool '{name}' could not start: {e.Message}", e);
        }

        LogStarted(name, pool.GetType().Name, pool.WorkerCount);
    }

    /// <summary>The shutdown timeout ran out: terminates the pools still running, then waits for a process pool's killed workers.</summary>
    private async Task TerminateAsync((string Name, WorkerPool Pool)[] pools, Task[] joins)
    {
        var killed = new List<Task>();
        for (int i = 0; i < pools.Length; i++)
        {
            if (joins[i].IsCompleted)
            {
                continue;
            }

            (string name, WorkerPool pool) = pools[i];
            PoolCounters counters = pool.Counters;
            LogTerminating(name, counters.Running, counters.Queued);
            pool.Terminate();
            if (pool is ProcessPool)
            {
                killed.Add(joins[i]);
            }
            else
            {
                LogThreadsLeft(name);
            }
        }

        try
        {
            await Task.WhenAll(killed).WaitAsync(KillWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogKillSlow(KillWait.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Pool {Pool} ({Kind}) started: {Workers} workers ready.")]
    private partial void LogStarted(string pool, string kind, int workers);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Pool {Pool} closing: waiting for {Running} running and {Queued} queued tasks, until the host's shutdown timeout.")]
    private partial void LogDraining(string pool, int running, long queued);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Pool {Pool}: the host's shutdown timeout ran out with {Running} tasks running and {Queued} queued; terminating it (they fail with PoolTerminatedException).")]
    private partial void LogTerminating(string pool, int running, long queued);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Pool {Pool} is a thread pool: the delegates it was running go on, outside the pool, until they return; the host does not wait for them.")]
    private partial void LogThreadsLeft(string pool);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The killed workers of a process pool were still not gone {Seconds} s after the kill.")]
    private partial void LogKillSlow(double seconds);
}
