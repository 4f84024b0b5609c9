namespace Multiprocessing;

/// <summary>
/// How a <see cref="ClusterPool"/> runs: the settings of every pool (<see cref="PoolOptions"/>), and what to do with
/// the calls a lost silo held. <see cref="PoolOptions.WorkerCount"/> is here the number of lanes (default 64), each
/// keeping up to <see cref="CallsPerLane"/> calls in flight (default 1); <see cref="PoolOptions.Initializer"/> and <see cref="PoolOptions.MaxTasksPerWorker"/> are not
/// supported (a silo serves many pools and is not replaced).
/// </summary>
public sealed class ClusterPoolOptions : PoolOptions
{
    /// <summary>The default of <see cref="PoolOptions.WorkerCount"/> for a cluster pool: lanes, each keeping up to <see cref="CallsPerLane"/> calls in flight.</summary>
    public const int DefaultCallsInFlight = 64;

    /// <summary>The default of <see cref="CallsPerLane"/>.</summary>
    public const int DefaultCallsPerLane = 1;

    /// <summary>
    /// How many calls each lane keeps in flight at once (default 1, at most 1,024). Above 1, a lane sends its next
    /// task without waiting for the answer to the last, so one-item tasks are not bound by a call's round trip (on a
    /// loaded machine, hundreds of milliseconds). The price: a task sent ahead counts as started and may run at once
    /// with its lane's others on the silo, so <see cref="PoolOptions.WorkerCount"/> no longer bounds the tasks running
    /// at once, and a cancelled map's chunks already sent may run (their results dropped), as a running task's do.
    /// A task's retries, timeout and cancellation are its own, whatever else its lane has in flight.
    /// </summary>
    public int? CallsPerLane { get; init; }

    /// <summary>The default of <see cref="MaxRetries"/>.</summary>
    public const int DefaultMaxRetries = 8;

    /// <summary>
    /// How many times a call that did not get an answer (its silo died, its connection dropped, Orleans' response
    /// timeout passed) is sent again, to another silo once the cluster has evicted the lost one. Default 8, with
    /// waits of 0.1 s, 0.2 s, 0.4 s... between tries. A task whose silo died after it ran may so run twice
    /// (at least once); see <see cref="AtMostOnce"/>.
    /// </summary>
    public int? MaxRetries { get; init; }

    /// <summary>
    /// How long a call may go without a word from its silo before it is taken for lost and sent again. A silo tells
    /// the pool every third of this time which calls it still holds, queued or running, so a task may run as long as
    /// it needs; a killed silo's calls go quiet and are sent again within this time. Default: 3 s for
    /// <see cref="ClusterPool.StartLocal"/> (also Orleans' response timeout on its silos and client); for
    /// <see cref="ClusterPool.Connect"/>, the client's <c>ClientMessagingOptions.ResponseTimeout</c>.
    /// </summary>
    public TimeSpan? ResponseTimeout { get; init; }

    /// <summary>
    /// True: a call that did not get an answer is not sent again; its task fails with the Orleans exception
    /// (such as <c>SiloUnavailableException</c> or a <see cref="TimeoutException"/>), so no task runs twice.
    /// Default false: tasks are retried (at least once).
    /// </summary>
    public bool AtMostOnce { get; init; }
}
