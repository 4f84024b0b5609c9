using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ClusterPool
{
    /// <summary>
    /// Starts one more silo process in the local cluster of this pool, and returns once it has joined: the pool's
    /// calls reach it within about a second (its client reads the list of gateways again every second), in the
    /// middle of a map too. Dask's and Ray's clusters grow so; on a real cluster, start a silo host instead.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait (the silo, started, stays in the cluster).</param>
    /// <returns>The new silo's process id, now also in <see cref="SiloProcessIds"/>.</returns>
    /// <exception cref="InvalidOperationException">The pool was made by <see cref="Connect"/>, is closed or terminated; or the new silo exited before it joined.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    /// <exception cref="TimeoutException">The silo did not join within <see cref="LocalStartTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int AddLocalSilo(CancellationToken cancellationToken = default) => AddLocalSiloAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Starts one more silo process in the local cluster of this pool: the asynchronous <see cref="AddLocalSilo"/>.</summary>
    /// <inheritdoc cref="AddLocalSilo"/>
    public async Task<int> AddLocalSiloAsync(CancellationToken cancellationToken = default)
    {
        if (State != PoolState.Open)
        {
            throw NotAcceptingException();
        }

        if (cluster is null)
        {
            throw new InvalidOperationException("Only a pool made by ClusterPool.StartLocal can add a local silo; a pool made by Connect joins a cluster whose silos are started elsewhere.");
        }

        (ChildProcess silo, int siloPort) = cluster.AddSilo();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(LocalStartTimeout);
        IManagementGrain management = client.GetGrain<IManagementGrain>(0);
        try
        {
            while (true)
            {
                if (!silo.IsAlive)
                {
                    throw new InvalidOperationException($"The new silo {silo.Name} (pid {silo.Pid}) exited with {silo.ExitCode} before it joined the cluster.");
                }

                try
                {
                    Dictionary<SiloAddress, SiloStatus> hosts = await management.GetHosts(onlyActive: true, deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
                    if (hosts.Keys.Any(a => a.Endpoint.Port == siloPort))
                    {
                        return silo.Pid;
                    }
                }
                catch (Exception e) when (e is TimeoutException or OrleansException && !deadline.IsCancellationRequested)
                {
                    // The cluster is busy (or a silo was lost meanwhile): ask again until the deadline.
                }

                await Task.Delay(100, deadline.Token).ConfigureAwait(false); // Membership has no event a client can await.
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The new silo {silo.Name} (pid {silo.Pid}) did not join the cluster within {LocalStartTimeout.TotalSeconds:0} s.", e);
        }
    }
}
