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

    private readonly List<(ChildProcess Process, int GatewayPort)> silos;
    private readonly int number;
    private readonly int primaryPort;
    private bool disposed;

    private LocalCluster(List<(ChildProcess, int)> silos, int number, int primaryPort, string clusterId, TimeSpan responseTimeout)
    {
        ResponseTimeout = responseTimeout;
        this.silos = silos;
        this.number = number;
        this.primaryPort = primaryPort;
        ClusterId = clusterId;
    }

    /// <summary>The gateway port of each silo, in order.</summary>
    public int[] GatewayPorts
    {
        get
        {
            lock (silos)
            {
                return [.. silos.Select(s => s.GatewayPort)];
            }
        }
    }

    /// <summary>The gateway ports of the silos still running.</summary>
    public int[] LiveGatewayPorts
    {
        get
        {
            lock (silos)
            {
                return [.. silos.Where(s => s.Process.IsAlive).Select(s => s.GatewayPort)];
            }
        }
    }

    /// <summary>Orleans' response timeout on the silos, and for the clients.</summary>
    public TimeSpan ResponseTimeout { get; }

    /// <summary>The cluster's id.</summary>
    public string ClusterId { get; }

    /// <summary>The process ids of the silos, in order (the first is the primary).</summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            lock (silos)
            {
                return [.. silos.Select(s => s.Process.Pid)];
            }
        }
    }

    /// <summary>The silos that have exited, with their exit codes, for error messages.</summary>
    public string? Exited()
    {
        string[] gone;
        lock (silos)
        {
            gone = [.. silos.Where(s => !s.Process.IsAlive).Select(s => $"{s.Process.Name} (pid {s.Process.Pid}) exited with {s.Process.ExitCode}")];
        }

        return gone.Length == 0 ? null : string.Join("; ", gone);
    }

    /// <summary>Starts <paramref name="count"/> silo processes; does not wait for them to be ready.</summary>
    public static LocalCluster Start(int count, TimeSpan responseTimeout)
    {
        int n = Interlocked.Increment(ref clusterCounter);
        string clusterId = $"local-{Environment.ProcessId}-{n}-{Guid.NewGuid():N}";
        int[] ports = FreePorts(2 * count);
        var silos = new List<(ChildProcess, int)>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                silos.Add((StartSilo(n, i, ports[2 * i], ports[(2 * i) + 1], ports[0], clusterId, responseTimeout), ports[(2 * i) + 1]));
            }
        }
        catch
        {
            foreach ((ChildProcess s, _) in silos)
            {
                s.Kill();
                s.Join();
                s.Dispose();
            }

            throw;
        }

        return new LocalCluster(silos, n, ports[0], clusterId, responseTimeout);
    }

    /// <summary>Starts one more silo process, which joins the cluster through the primary; does not wait for it to be ready.</summary>
    /// <returns>The process, and its port for other silos (its address in the cluster's membership).</returns>
    public (ChildProcess Process, int SiloPort) AddSilo()
    {
        int[] ports = FreePorts(2);
        lock (silos)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            ChildProcess silo = StartSilo(number, silos.Count, ports[0], ports[1], primaryPort, ClusterId, ResponseTimeout);
            silos.Add((silo, ports[1]));
            return (silo, ports[0]);
        }
    }

    private static ChildProcess StartSilo(int cluster, int index, int siloPort, int gatewayPort, int primaryPort, string clusterId, TimeSpan responseTimeout) => ChildProcess.Start(
        static (int[] ports, string cluster, long timeoutMs) => LocalSilo.Run(ports, cluster, timeoutMs),
        new[] { siloPort, gatewayPort, primaryPort },
        clusterId,
        (long)responseTimeout.TotalMilliseconds,
        new ChildProcessOptions { Name = $"ClusterPool-{cluster}-silo-{index}", Daemon = true });

    /// <summary>Stops the silos: SIGTERM, then SIGKILL for any still running after <see cref="StopGrace"/>; returns once every one has exited.</summary>
    public void Dispose()
    {
        ChildProcess[] all;
        lock (silos)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            all = [.. silos.Select(s => s.Process)];
        }

        foreach (ChildProcess s in all)
        {
            s.Terminate();
        }

        foreach (ChildProcess s in all)
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
