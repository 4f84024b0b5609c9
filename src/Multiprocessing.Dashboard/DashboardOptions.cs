using Microsoft.Extensions.Logging;

namespace Multiprocessing;

/// <summary>Settings of a <see cref="Dashboard"/>.</summary>
public sealed class DashboardOptions
{
    /// <summary>The TCP port on 127.0.0.1 to serve on; 0 (the default) for any free one (read it from <see cref="Dashboard.Url"/>).</summary>
    public int Port { get; set; }

    /// <summary>How often the page asks for new state; 1 second by default, at least 100 ms, at most 1 second.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The pools to show; null (the default) for every pool of this process (<see cref="LiveObjects.Pools"/>), as they come and go.</summary>
    public IReadOnlyList<WorkerPool>? Pools { get; set; }

    /// <summary>
    /// Where the dashboard logs a request it failed to answer (the page gets a bare <c>500 Internal Server Error</c>;
    /// the exception is logged here, as an Error with event id 5000 <c>DashboardRequestFailed</c>, category
    /// <c>Multiprocessing.Dashboard</c>). Default: <see cref="MultiprocessingLogging.LoggerFactory"/>, read at start.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
