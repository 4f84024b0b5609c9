namespace Multiprocessing;

/// <summary>
/// A snapshot of a pool's workers and tasks (see <see cref="WorkerPool.Counters"/>). A task is one
/// <c>Apply</c>/<c>Submit</c> call, or one chunk of a map-style call.
/// </summary>
/// <remarks>
/// The numbers are read one after another while the pool runs, so they describe nearly, not exactly, one
/// moment; once the pool is quiet (every task awaited) they are exact. Use them to watch a pool, not to
/// decide what to do next (what they say may have changed by the time you act).
/// </remarks>
/// <param name="WorkersAlive">Workers that serve the pool now: started and not yet stopped, busy or idle. A thread abandoned to a timed-out task is no longer counted.</param>
/// <param name="WorkersIdle">Of those, the ones waiting for a task (the seed's <c>free_list</c>).</param>
/// <param name="WorkersStarted">Workers started since the pool was created, replacements included (the seed's "created").</param>
/// <param name="Queued">Tasks accepted and not yet started.</param>
/// <param name="Running">Tasks started and not yet ended.</param>
/// <param name="Completed">Tasks that ended with a result.</param>
/// <param name="Failed">Tasks that ended otherwise: their delegate threw, they timed out, were cancelled, or were ended by <see cref="WorkerPool.Terminate"/> or a broken pool.</param>
public readonly record struct PoolCounters(
    int WorkersAlive,
    int WorkersIdle,
    long WorkersStarted,
    long Queued,
    int Running,
    long Completed,
    long Failed);
