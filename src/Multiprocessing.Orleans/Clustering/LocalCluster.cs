using System.Net;
using System.Net.Sockets;

namespace Multiprocessing.Clustering;

/// <summary>
/// The silos of a local cluster: one child process each on this machine, with localhost clustering on ports
/// chosen free. The first silo is the primary: it holds the membership table (Orleans' development clustering),
/// so the cluster lives as long as it does.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    /// <summary>The Orleans service id of local clusters.</summary>
    public const string ServiceId = "multiprocessing";

    /// <summary>How long a silo may take to stop after SIGTERM before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private static int clusterCounter;

    private readonly ChildProcess[] silos;

    private LocalCluster(ChildProcess[] silos, int[] gatewayPorts, string clusterId, TimeSpan responseTimeout)
    {
        ResponseTimeout = responseTimeout;
        this.silos = silos;
        GatewayPorts = gatewayPorts;
        ClusterId = clusterId;
    }

    /// <summary>The gateway port of each silo, in order.</summary>
    public int[] GatewayPorts { get; }

    /// <summary>Orleans' response timeout on the silos, and for the clients.</summary>
    public TimeSpan ResponseTimeout { get; }

    /// <summary>The cluster's id.</summary>
    public string ClusterId { get; }

    /// <summary>The process ids of the silos, in order (the first is the primary).</summary>
    public IReadOnlyList<int> ProcessIds => [.. silos.Select(s => s.Pid)];

    /// <summary>The silos that have exited, with their exit codes, for error messages.</summary>
    public string? Exited()
    {
        string[] gone = [.. silos.Where(s => !s.IsAlive).Select(s => $"{s.Name} (pid {s.Pid}) exited with {s.ExitCode}")];
        return gone.Length == 0 ? null : string.Join("; ", gone);
    }

    /// <summary>Starts <paramref name="count"/> silo processes; does not wait for them to be ready.</summary>
    public static LocalCluster Start(int count, TimeSpan responseTimeout)
    {
        int n = Interlocked.Increment(ref clusterCounter);
        string clusterId = $"local-{Environment.ProcessId}-{n}-{Guid.NewGuid():N}";
        int[] ports = FreePorts(2 * count);
        var silos = new List<ChildProcess>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                silos.Add(ChildProcess.Start(
                    static (int[] ports, string cluster, long timeoutMs) => LocalSilo.Run(ports, cluster, timeoutMs),
                    new[] { ports[2 * i], ports[(2 * i) + 1], ports[0] },
                    clusterId,
                    (long)responseTimeout.TotalMilliseconds,
                    new ChildProcessOptions { Name = $"ClusterPool-{n}-silo-{i}", Daemon = true }));
            }
        }
        catch
        {
            foreach (ChildProcess s in silos)
            {
                s.Kill();
                s.Join();
                s.Dispose();
            }

            throw;
        }

        return new LocalCluster([.. silos], [.. Enumerable.Range(0, count).Select(i => ports[(2 * i) + 1])], clusterId, responseTimeout);
    }

    /// <summary>Stops the silos: SIGTERM, then SIGKILL for any still running after <see cref="StopGrace"/>; returns once every one has exited.</summary>
    public void Dispose()
    {
        foreach (ChildProcess s in silos)
        {
            s.Terminate();
        }

        foreach (ChildProcess s in silos)
        {
            if (!s.Join(StopGrace))
            {
                s.Kill();
                s.Join();
            }

            s.Dispose();
        }
    }

    /// <summary>Ports free on the loopback now (each bound once by the system, then released).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (TcpListener l in listeners)
            {
                l.Stop();
            }
        }
    }
}
