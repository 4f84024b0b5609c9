using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Multiprocessing.DashboardServer;

namespace Multiprocessing;

/// <summary>
/// A live web page of this process's pools, workers, tasks and queues, served by the process itself on 127.0.0.1
/// behind a random token (as Jupyter's): the .NET counterpart of Dask's dashboard and Celery's Flower, in one call.
/// </summary>
/// <remarks>
/// <para>The page refreshes itself every second: each pool's workers by state, tasks queued, running, completed
/// and failed, tasks a second, p50 and p95 task durations; a worker table (pid, state, current task and for how
/// long, tasks done, RSS and CPU % from /proc, restarts, last exit code or signal); a task stream (one row per worker,
/// one bar per task over the last minute, coloured by outcome); shared queues (items, bytes, overflow), shared
/// segments open and locks taken over from dead holders; recent failures with their remote stack traces. Its
/// buttons kill a worker (it is replaced) and cancel a task not yet started. The same state is JSON at
/// <c>GET /api/state</c>.</para>
/// <para>Security: the server binds to the loopback interface only and answers 403 to every request that does
/// not carry the token (in the URL's <c>token</c> parameter, the <c>X-Dashboard-Token</c> header, or, for GETs, the cookie
/// the page sets), compared in constant time. Actions (POST) need the header or the parameter, never the cookie
/// alone, so another site cannot make a browser post them. Anyone who can read the URL can use the page: share it
/// as you would a Jupyter URL.</para>
/// <para>A request it fails to answer (its state source threw, say) gets <c>500 Internal Server Error</c> with a
/// generic message, the exception goes to <see cref="DashboardOptions.LoggerFactory"/>, and the page goes on serving.</para>
/// <para>It prints nothing: show <see cref="Url"/> where you want it. All its script and style are embedded in
/// the assembly; the page loads nothing from the internet.</para>
/// </remarks>
/// <example>
/// <code>
/// using var pool = new ProcessPool(4);
/// using var dash = Dashboard.Start();
/// Console.WriteLine($"dashboard: {dash.Url}");
/// pool.Map((int x) => x * x, Enumerable.Range(0, 100_000));
/// </code>
/// </example>
public sealed class Dashboard : IDisposable
{
    private const string TokenHeader = "x-dashboard-token";

    private readonly HttpServer server;
    private readonly StateWriter state;
    private readonly ILogger logger;
    private readonly byte[] token;
    private readonly string tokenText;
    private readonly string cookieName;
    private readonly int refreshMs;
    private int disposed;

    /// <param name="options">The settings.</param>
    /// <param name="pools">What the page shows in place of <see cref="DashboardOptions.Pools"/>: a test's hook (one that throws, say); null in production.</param>
    private Dashboard(DashboardOptions options, Func<IReadOnlyList<WorkerPool>>? pools)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, "options.Port");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535, "options.Port");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RefreshInterval, TimeSpan.FromMilliseconds(100), "options.RefreshInterval");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.RefreshInterval, TimeSpan.FromSeconds(1), "options.RefreshInterval");
        IReadOnlyList<WorkerPool>? fixedPools = options.Pools is null ? null : [.. options.Pools];
        if (fixedPools?.Any(p => p is null) == true)
        {
            throw new ArgumentException("options.Pools holds a null.", nameof(options));
        }

        refreshMs = (int)options.RefreshInterval.TotalMilliseconds;
        tokenText = Base64Url(RandomNumberGenerator.GetBytes(32));
        token = Encoding.ASCII.GetBytes(tokenText);
        state = new StateWriter(pools ?? (fixedPools is null ? LiveObjects.Pools : () => fixedPools));
        foreach (WorkerPool pool in fixedPools ?? LiveObjects.Pools())
        {
            _ = pool.GetRecentTasks(); // A pool records its tasks once asked: the page shows them from now on.
        }

        logger = (options.LoggerFactory ?? MultiprocessingLogging.LoggerFactory).CreateLogger(DashboardLog.Category);
        server = new HttpServer(options.Port, Handle, (request, e) => DashboardLog.RequestFailed(logger, request, e));
        cookieName = $"mpdash{server.Port}";
        Url = new Uri($"http://127.0.0.1:{server.Port}/?token={tokenText}");
    }

    /// <summary>The page's address, token included: <c>http://127.0.0.1:PORT/?token=...</c>.</summary>
    public Uri Url { get; }

    /// <summary>The TCP port on 127.0.0.1 the page is served on.</summary>
    public int Port => server.Port;

    /// <summary>Starts serving the page (on a free port of 127.0.0.1 by default) and returns at once; <see cref="Dispose"/> stops it.</summary>
    /// <remarks>A pool records its tasks once asked (<see cref="WorkerPool.GetRecentTasks"/>): the pools there are now record from now on, a pool made later from the page's first look at it; tasks that ended before are not shown.</remarks>
    /// <param name="options">Port, refresh interval and pools to show; null for the defaults (any free port, every second, every pool of this process).</param>
    /// <returns>The running dashboard; read its <see cref="Url"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The port is not 0 to 65535, or the refresh interval not 100 ms to 1 s.</exception>
    /// <exception cref="ArgumentException"><see cref="DashboardOptions.Pools"/> holds a null.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The port is taken.</exception>
    public static Dashboard Start(DashboardOptions? options = null) => new(options ?? new DashboardOptions(), null);

    /// <summary>Starts a dashboard whose state comes from <paramref name="pools"/> (tests: a source that throws).</summary>
    internal static Dashboard Start(DashboardOptions options, Func<IReadOnlyList<WorkerPool>> pools) => new(options, pools);

    /// <summary>The state the page shows, as the JSON of <c>GET /api/state</c>, for logs and tests.</summary>
    /// <returns>UTF-8 JSON: <c>{ "pools": [ { "name", "kind", "workers": [ { "pid", "state", ... } ], ... } ], "queues": [...], ... }</c>.</returns>
    /// <exception cref="ObjectDisposedException">The dashboard is disposed.</exception>
    public string GetStateJson()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return Encoding.UTF8.GetString(state.Write());
    }

    /// <summary>Stops serving: the port is closed, requests under way are dropped. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            server.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Dashboard(http://127.0.0.1:{server.Port}/)";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), token);

    private HttpResponse Handle(HttpRequest request)
    {
        // The token first, before anything else is looked at: without it every path is 403, even one that does not exist.
        string? fromUrlOrHeader = request.Query.TryGetValue("token", out string? q) ? q : request.Header(TokenHeader);
        bool byUrlOrHeader = Matches(fromUrlOrHeader);
        bool byCookie = !byUrlOrHeader && Matches(request.Cookie(cookieName));
        if (!(byUrlOrHeader || byCookie) || !IsLoopbackHost(request.Header("host")))
        {
            return HttpResponse.Text(403, "Forbidden: this dashboard needs its token (open the URL it printed).");
        }

        if (Volatile.Read(ref disposed) != 0)
        {
            return HttpResponse.Text(404, "The dashboard is stopped.");
        }

        return request.Method switch
        {
            "GET" => Get(request),
            "POST" when byUrlOrHeader => Post(request),
            "POST" => HttpResponse.Text(403, "Forbidden: actions need the token in the X-Dashboard-Token header."),
            _ => HttpResponse.Text(405, "Only GET and POST."),
        };
    }

    /// <summary>Only a Host of 127.0.0.1 or localhost (with this port) is answered: a page of another site that a DNS rebinding points here gets nothing.</summary>
    private bool IsLoopbackHost(string? host) =>
        host == $"127.0.0.1:{server.Port}" || host == $"localhost:{server.Port}";

    private HttpResponse Get(HttpRequest request)
    {
        switch (request.Path)
        {
            case "/":
                string html = Assets.Text("index.html")
                    .Replace("{{TOKEN}}", tokenText, StringComparison.Ordinal)
                    .Replace("{{REFRESH_MS}}", refreshMs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                var page = new HttpResponse(200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));
                page.Headers.Add(new("Set-Cookie", $"{cookieName}={tokenText}; Path=/; HttpOnly; SameSite=Strict"));
                return page;
            case "/dashboard.js":
                return new HttpResponse(200, "text/javascript; charset=utf-8", Assets.Bytes("dashboard.js"));
            case "/dashboard.css":
                return new HttpResponse(200, "text/css; charset=utf-8", Assets.Bytes("dashboard.css"));
            case "/api/state":
                return HttpResponse.Json(state.Write());
            default:
                return HttpResponse.Text(404, "Not found.");
        }
    }

    private HttpResponse Post(HttpRequest request)
    {
        try
        {
            return Act(request);
        }
        catch (ObjectDisposedException)
        {
            return HttpResponse.Text(404, $"The pool {request.Query.GetValueOrDefault("pool")} was disposed meanwhile.");
        }
    }

    private HttpResponse Act(HttpRequest request)
    {
        string? poolName = request.Query.GetValueOrDefault("pool");
        ProcessPool? pool = state.Pools.OfType<ProcessPool>().FirstOrDefault(p => p.Name == poolName);
        switch (request.Path)
        {
            case "/api/kill":
                if (pool is null || !int.TryParse(request.Query.GetValueOrDefault("pid"), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                {
                    return HttpResponse.Text(400, "Give pool= (a process pool's name) and pid= (one of its workers).");
                }

                return Result(pool.KillWorker(pid), $"killed worker {pid} of {pool.Name}", $"{pid} is not a live worker of {pool.Name}");
            case "/api/cancel":
                if (pool is null || !long.TryParse(request.Query.GetValueOrDefault("task"), NumberStyles.None, CultureInfo.InvariantCulture, out long task))
                {
                    return HttpResponse.Text(400, "Give pool= (a process pool's name) and task= (the id of a task not yet started).");
                }

                return Result(pool.CancelQueuedTask(task), $"cancelled task {task} of {pool.Name}", $"task {task} of {pool.Name} is not waiting");
            default:
                return HttpResponse.Text(404, "Not found.");
        }
    }

    private static HttpResponse Result(bool done, string ok, string notDone)
    {
        string text = done ? ok : notDone;
        string escaped = System.Text.Json.JsonEncodedText.Encode(text).ToString();
        return new HttpResponse(done ? 200 : 404, "application/json; charset=utf-8", Encoding.UTF8.GetBytes($"{{\"ok\":{(done ? "true" : "false")},\"message\":\"{escaped}\"}}"));
    }
}
