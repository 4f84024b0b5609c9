using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Multiprocessing.Clustering;
using Multiprocessing.Pools;
using Orleans.Configuration;
using Orleans.Messaging;

namespace Multiprocessing;

/// <summary>
/// A pool whose tasks run on the silos of a Microsoft Orleans cluster (Ray's and Dask's <c>Pool</c> for a cluster),
/// with the API every <see cref="WorkerPool"/> has: <c>Apply</c>, <c>Submit</c>, <c>Map</c> and <c>Starmap</c> in
/// chunks, <c>Imap</c>, per-task timeout, cancellation, progress, counters. Start one with <see cref="StartLocal"/>
/// (silos as child processes on this machine) or <see cref="Connect"/> (an existing cluster).
/// </summary>
/// <remarks>
/// <para>Tasks are encoded as for a <see cref="ProcessPool"/>: the function by assembly, version and token, its
/// captures and arguments field by field, in the caller (a value that cannot cross fails there). The silos must run
/// the same build of the assemblies the functions come from; a silo that does not fails the task with a
/// <see cref="VersionMismatchException"/>, never a wrong call. Each task, or each chunk of a map, is one grain call
/// to a stateless worker grain, which runs it on the silo the call reached; an exception the task throws reaches the
/// caller as a <see cref="RemoteException"/> naming the silo's process.</para>
/// <para><b>Faults</b>: a silo tells the pool, every third of <see cref="ClusterPoolOptions.ResponseTimeout"/>, which
/// of its calls it holds, so a task may run as long as it needs. A call that goes quiet for the response timeout (its
/// silo was killed, its connection dropped) is sent again, up to <see cref="ClusterPoolOptions.MaxRetries"/> times, and goes to a live silo
/// once the cluster has evicted the lost one (seconds, with the timeouts a local cluster uses). A task whose silo
/// died after running it runs again: delivery is at least once. With <see cref="ClusterPoolOptions.AtMostOnce"/>
/// such a task fails instead.</para>
/// <para><b>Timeouts and cancellation</b>: a silo cannot be made to stop a task. A task past its timeout fails
/// with a <see cref="TimeoutException"/>, and a cancelled running task is cancelled, at once, here; the silo runs it
/// to its end and its result is dropped. A task still queued here or on its silo is dropped. A delegate's
/// <see cref="CancellationToken"/> parameter is cancelled on the silo within about a third of the response timeout.</para>
/// <para><see cref="PoolOptions.WorkerCount"/> is the number of lanes (default
/// <see cref="ClusterPoolOptions.DefaultCallsInFlight"/>), each keeping up to <see cref="ClusterPoolOptions.CallsPerLane"/>
/// calls in flight; <see cref="WorkerPool.Counters"/> counts each lane as a worker, busy while it has a call in flight.
/// Disposing the pool lets its tasks finish, disconnects from the cluster and, for a local cluster, stops the silo
/// processes.</para>
/// </remarks>
/// <example>
/// <code>
/// using var pool = ClusterPool.StartLocal(silos: 3);
/// long[] squares = pool.Map((long x) => x * x, Enumerable.Range(0, 100_000).Select(i => (long)i), chunkSize: 10_000);
/// </code>
/// </example>
public sealed partial class ClusterPool : WorkerPool
{
    /// <summary>How long <see cref="StartLocal"/> waits for its silos to form a cluster before it gives up.</summary>
    public static readonly TimeSpan LocalStartTimeout = TimeSpan.FromSeconds(90);

    private static int poolCounter;

    private readonly PoolFunctions functions = new(PoolFunctions.DefaultCapacity);
    private readonly Channel<ClusterTask> queue = Channel.CreateUnbounded<ClusterTask>();
    private readonly CancellationTokenSource terminating = new();
    private readonly IHost clientHost;
    private readonly IClusterClient client;
    private readonly LocalCluster? cluster;
    private const int MaxCallsPerLane = 1024;

    private readonly int maxRetries;
    private readonly int callsPerLane;
    private readonly bool atMostOnce;
    private readonly TimeSpan responseTimeout;
    private readonly LaneKeepAlive keepAlive;
    private readonly IPoolLaneObserver keepAliveReference;
    private long nextTaskId;

    /// <summary>Changes each time the client's list of gateways has changed (a silo added or lost): the lanes then take new grain keys.</summary>
    private int gatewayEpoch;
    private long retries;
    private int lanesLeft;

    /// <summary>The lanes, each counted as a worker.</summary>
    private readonly ClusterLane[] lanes;

    private ClusterPool(PoolOptions options, ClusterPoolOptions? clusterOptions, IHost clientHost, LocalCluster? cluster)
        : base(options, options.Name!)
    {
        this.clientHost = clientHost;
        this.cluster = cluster;
        client = clientHost.Services.GetRequiredService<IClusterClient>();
        maxRetries = clusterOptions?.MaxRetries ?? ClusterPoolOptions.DefaultMaxRetries;
        atMostOnce = clusterOptions?.AtMostOnce ?? false;
        callsPerLane = clusterOptions?.CallsPerLane ?? ClusterPoolOptions.DefaultCallsPerLane;
        responseTimeout = clusterOptions?.ResponseTimeout ?? clientHost.Services.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout;
        keepAlive = new LaneKeepAlive();
        keepAliveReference = client.CreateObjectReference<IPoolLaneObserver>(keepAlive);
        if (clientHost.Services.GetService<WatchedGateways>() is { } gateways)
        {
            gateways.Changed += () => Interlocked.Increment(ref gatewayEpoch);
        }
        lanesLeft = WorkerCount;
        lanes = new ClusterLane[WorkerCount];
        for (int i = 0; i < WorkerCount; i++)
        {
            lanes[i] = new ClusterLane(i, AddWorker(), callsPerLane); // Counted alive now, so that Counters sees every lane from the start.
            _ = Lane(lanes[i]);
        }
    }

    /// <summary>The process ids of the silos <see cref="StartLocal"/> started, in order (the first holds the cluster's membership table); empty for a pool made by <see cref="Connect"/>.</summary>
    public IReadOnlyList<int> SiloProcessIds => cluster?.ProcessIds ?? [];

    /// <summary>The pool's Orleans client, for tests.</summary>
    internal IClusterClient Client => client;

    /// <summary>The local cluster <see cref="StartLocal"/> started; null for a pool made by <see cref="Connect"/>.</summary>
    internal LocalCluster? Cluster => cluster;

    /// <summary>How many calls were sent again so far because they got no answer (see <see cref="ClusterPoolOptions.MaxRetries"/>), for diagnostics.</summary>
    public long Retries => Interlocked.Read(ref retries);

    /// <summary>
    /// Starts a cluster of <paramref name="silos"/> silos on this machine, each a child process with localhost
    /// clustering on free ports, connects to it, and returns a pool on it once every silo has joined. For
    /// development, tests and demos; disposing the pool stops the silos.
    /// </summary>
    /// <param name="silos">How many silo processes.</param>
    /// <param name="options">Calls in flight, timeout, queue bound, retries; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the start (the silos started so far are stopped).</param>
    /// <returns>The pool.</returns>
    /// <remarks>
    /// The silos use short Orleans timeouts, so that a lost silo is noticed in seconds: probes every second with a
    /// one-second timeout, two missed probes to vote a silo dead, and a three-second response timeout
    /// (<see cref="ClusterPoolOptions.ResponseTimeout"/>: a call whose silo sends no word for that long is taken for lost). The first
    /// silo holds the membership table (Orleans' development clustering): the cluster survives the loss of any
    /// other silo, not of that one.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="silos"/> is less than 1, or a value in <paramref name="options"/> is out of its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> sets what a cluster pool does not support.</exception>
    /// <exception cref="TimeoutException">The silos did not form a cluster within <see cref="LocalStartTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">A silo process exited while the cluster started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ClusterPool StartLocal(int silos = 3, ClusterPoolOptions? options = null, CancellationToken cancellationToken = default) =>
        StartLocalAsync(silos, options, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Starts a cluster of silo processes on this machine and returns a pool on it: the asynchronous <see cref="StartLocal"/>.</summary>
    /// <inheritdoc cref="StartLocal"/>
    public static async Task<ClusterPool> StartLocalAsync(int silos = 3, ClusterPoolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        PoolOptions normalized = Normalize(options);
        TimeSpan responseTimeout = options?.ResponseTimeout ?? ClusterTimeouts.DefaultResponseTimeout;

        LocalCluster cluster = LocalCluster.Start(silos, responseTimeout);
        IHost? host = null;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(LocalStartTimeout);
            // A first client waits for every silo to join; a second, made then, connects to every silo's gateway
            // (a client takes the gateways that did not answer at its start for dead until it refreshes its list).
            using (IHost first = LocalClient(cluster, deadline.Token))
            {
                await StartClient(first, cluster, deadline.Token, cancellationToken).ConfigureAwait(false);
                await WaitForSilos(first.Services.GetRequiredService<IClusterClient>(), cluster, silos, deadline.Token, cancellationToken).ConfigureAwait(false);
                await first.StopAsync(deadline.Token).ConfigureAwait(false);
            }

            host = LocalClient(cluster, deadline.Token);
            await StartClient(host, cluster, deadline.Token, cancellationToken).ConfigureAwait(false);
            return new ClusterPool(normalized, options, host, cluster);
        }
        catch
        {
            host?.Dispose();
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Another pool on the silos of a local cluster, with its timeouts; disposing it leaves the silos running (tests share one cluster so).</summary>
    internal static async Task<ClusterPool> ConnectLocalAsync(LocalCluster cluster, ClusterPoolOptions? options)
    {
        PoolOptions normalized = Normalize(options);
        using var deadline = new CancellationTokenSource(LocalStartTimeout);
        IHost host = LocalClient(cluster, deadline.Token);
        try
        {
            await StartClient(host, cluster, deadline.Token, CancellationToken.None).ConfigureAwait(false);
            return new ClusterPool(normalized, options, host, null);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects to an existing Orleans cluster, configured by <paramref name="configureClient"/> (its clustering
    /// provider, ids, timeouts), and returns a pool on it. The cluster's silos must reference Multiprocessing.Orleans
    /// and run the same build of the assemblies the tasks come from. Disposing the pool disconnects; the silos keep running.
    /// </summary>
    /// <param name="configureClient">Configures the Orleans client, as <c>UseOrleansClient</c> does.</param>
    /// <param name="options">Calls in flight, timeout, queue bound, retries; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the connection attempt.</param>
    /// <returns>The pool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configureClient"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value in <paramref name="options"/> is out of its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> sets what a cluster pool does not support.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ClusterPool Connect(Action<IClientBuilder> configureClient, ClusterPoolOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(configureClient, options, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Connects to an existing Orleans cluster and returns a pool on it: the asynchronous <see cref="Connect"/>.</summary>
    /// <inheritdoc cref="Connect"/>
    public static async Task<ClusterPool> ConnectAsync(Action<IClientBuilder> configureClient, ClusterPoolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configureClient);
        PoolOptions normalized = Normalize(options);
        IHost host = new HostBuilder().UseOrleansClient(c =>
        {
            configureClient(c);
            WatchedGateways.Decorate(c.Services); // A silo that joins later gets a share of the lanes.
        }).Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ClusterPool(normalized, options, host, null);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"ClusterPool('{Name}', lanes={WorkerCount}, calls per lane={callsPerLane}{(cluster is null ? string.Empty : $", local silos={cluster.ProcessIds.Count}")})";

    /// <summary>The settings of the base pool: the cluster's defaults, and a refusal of what it does not support.</summary>
    private static PoolOptions Normalize(ClusterPoolOptions? options)
    {
        if (options?.Initializer is not null)
        {
            throw new ArgumentException("A ClusterPool does not support PoolOptions.Initializer: a silo serves many pools and runs for ever. Do the setup lazily in the task (a static Lazy<T>).", nameof(options));
        }

        if (options?.MaxTasksPerWorker is not null)
        {
            throw new ArgumentException("A ClusterPool does not support PoolOptions.MaxTasksPerWorker: silos are not replaced after a number of tasks.", nameof(options));
        }

        if (options?.ResponseTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromMilliseconds(int.MaxValue)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "options.ResponseTimeout must be positive and at most about 24 days.");
        }

        if (options?.MaxRetries is int r)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(r, "options.MaxRetries");
        }

        if (options?.CallsPerLane is int depth)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1, "options.CallsPerLane");
            ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, MaxCallsPerLane, "options.CallsPerLane");
        }

        return new PoolOptions
        {
            WorkerCount = options?.WorkerCount ?? ClusterPoolOptions.DefaultCallsInFlight,
            TaskTimeout = options?.TaskTimeout,
            MaxQueuedTasks = options?.MaxQueuedTasks,
            WhenQueueFull = options?.WhenQueueFull ?? QueueFullBehavior.Wait,
            Name = options?.Name ?? $"ClusterPool-{Interlocked.Increment(ref poolCounter)}",
            MeterFactory = options?.MeterFactory,
            LoggerFactory = options?.LoggerFactory,
        };
    }

    /// <summary>A client of the local cluster, with its timeouts, that retries its connection until <paramref name="deadline"/>.</summary>
    private static IHost LocalClient(LocalCluster cluster, CancellationToken deadline) => new HostBuilder()
        .UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (LocalCluster.ServiceId, cluster.ClusterId));
            c.Services.AddSingleton<IGatewayListProvider>(new LocalGateways(cluster)); // Follows silos killed and added.
            WatchedGateways.Decorate(c.Services);
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = ClusterTimeouts.GatewayListRefreshPeriod);
            c.Services.AddSingleton<IClientConnectionRetryFilter>(new UntilReady(cluster, deadline));
        })
        .Build();

    private static async Task StartClient(IHost host, LocalCluster cluster, CancellationToken deadline, CancellationToken caller)
    {
        try
        {
            await host.StartAsync(deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (!caller.IsCancellationRequested && (deadline.IsCancellationRequested || cluster.Exited() is not null))
        {
            throw NotReady(cluster, e);
        }
    }

    /// <summary>Waits until every silo is an active member of the cluster (the client is connected to one at least).</summary>
    private static async Task WaitForSilos(IClusterClient client, LocalCluster cluster, int silos, CancellationToken deadline, CancellationToken caller)
    {
        IManagementGrain management = client.GetGrain<IManagementGrain>(0);
        try
        {
            while (true)
            {
                if (cluster.Exited() is not null)
                {
                    throw NotReady(cluster, null);
                }

                try
                {
                    if ((await management.GetHosts(onlyActive: true).WaitAsync(deadline).ConfigureAwait(false)).Count >= silos)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is TimeoutException or OrleansException && !deadline.IsCancellationRequested)
                {
                    // A starting silo may not answer within the response timeout yet: ask again until the deadline.
                }

                await Task.Delay(100, deadline).ConfigureAwait(false); // Membership has no event a client can await.
            }
        }
        catch (OperationCanceledException e) when (!caller.IsCancellationRequested)
        {
            throw NotReady(cluster, e);
        }
    }

    private static Exception NotReady(LocalCluster cluster, Exception? inner) => cluster.Exited() is { } exited
        ? new InvalidOperationException($"A silo of the local cluster exited before the cluster was ready: {exited}.", inner)
        : new TimeoutException($"The {cluster.ProcessIds.Count} silos of the local cluster did not form a cluster within {LocalStartTimeout.TotalSeconds:0} s.", inner);

    /// <summary>Lets the client try to connect again while the local silos start, until the deadline or a silo exits.</summary>
    private sealed class UntilReady(LocalCluster cluster, CancellationToken deadline) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            if (deadline.IsCancellationRequested || cancellationToken.IsCancellationRequested || cluster.Exited() is not null)
            {
                return false;
            }

            try
            {
                await Task.Delay(200, deadline).ConfigureAwait(false); // The silos are still starting.
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}
