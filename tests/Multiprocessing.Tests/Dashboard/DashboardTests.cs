using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Multiprocessing.Tests.Support;
using Xunit.Abstractions;
using Dash = Multiprocessing.Dashboard;

namespace Multiprocessing.Tests.Dashboard;

/// <summary>
/// The dashboard with a real process pool: its token, its JSON state, and its page in a real browser (headless
/// Chromium, driven over the DevTools protocol): the numbers it shows, and its kill button.
/// </summary>
public sealed partial class DashboardTests(ITestOutputHelper output)
{
    private const string TokenHeader = "X-Dashboard-Token";

    [Fact]
    public async Task EveryRequestWithoutTheToken_Gets403_BeforeAnythingElse()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 1 });
        using var dash = Dash.Start(new DashboardOptions { Pools = [pool] });
        Uri root = new($"http://127.0.0.1:{dash.Port}/");
        string token = dash.Url.Query["?token=".Length..];
        Assert.Equal(43, token.Length); // 32 bytes, base64url without padding
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { Timeout = Within.Deadline };

        foreach (string path in new[] { "", "api/state", "dashboard.js", "no/such/page", "api/state?token=wrong", $"api/state?token={token}x" })
        {
            using HttpResponseMessage get = await http.GetAsync(new Uri(root, path));
            Assert.True(get.StatusCode == HttpStatusCode.Forbidden, $"GET /{path} without the token gave {get.StatusCode}");
        }

        int pid = Assert.Single(pool.WorkerPids);
        using (HttpResponseMessage kill = await http.PostAsync(new Uri(root, $"api/kill?pool={pool.Name}&pid={pid}"), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, kill.StatusCode);
        }

        // The cookie the page sets lets the page's GETs in, but not an action: another site could make a browser post it.
        using var withCookie = new HttpRequestMessage(HttpMethod.Post, new Uri(root, $"api/kill?pool={pool.Name}&pid={pid}"));
        withCookie.Headers.Add("Cookie", $"mpdash{dash.Port}={token}");
        using (HttpResponseMessage kill = await http.SendAsync(withCookie))
        {
            Assert.Equal(HttpStatusCode.Forbidden, kill.StatusCode);
        }

        using var cookieGet = new HttpRequestMessage(HttpMethod.Get, new Uri(root, "api/state"));
        cookieGet.Headers.Add("Cookie", $"mpdash{dash.Port}={token}");
        using (HttpResponseMessage state = await http.SendAsync(cookieGet))
        {
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        }

        using HttpResponseMessage page = await http.GetAsync(dash.Url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.Contains("HttpOnly", StringComparison.Ordinal) && c.Contains("SameSite=Strict", StringComparison.Ordinal));
        Assert.Equal(pid, Assert.Single(pool.WorkerPids)); // nothing was killed

        dash.Dispose();
        Assert.Throws<ObjectDisposedException>(() => dash.GetStateJson());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(dash.Url));
    }

    [Fact]
    public async Task ApiState_ListsThePoolsLiveWorkerPids_AndItsCounters()
    {
        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2, Name = $"dash-{Guid.NewGuid():N}" });
        using var dash = Dash.Start(); // before the tasks: a pool records them once asked, which the dashboard does when it starts
        Assert.Equal(285, (await pool.MapAsync(static (int x) => x * x, Enumerable.Range(0, 10), chunkSize: 1).WaitAsync(Within.Deadline)).Sum());
        JsonNode state = await GetState(dash);
        JsonNode mine = state["pools"]!.AsArray().Single(p => (string?)p!["name"] == pool.Name)!;
        Assert.Equal("process", (string?)mine["kind"]);
        Assert.Equal(pool.WorkerPids.Order(), mine["workers"]!.AsArray().Select(w => (int)w!["pid"]!).Order());
        Assert.Equal(10, (long)mine["completed"]!);
        Assert.Equal(10, mine["tasks"]!.AsArray().Count);
        Assert.NotNull(state["queues"]);
    }

    [Fact]
    public async Task Browser_ShowsThePoolsCounters_AndItsKillButtonReplacesTheWorker()
    {
        if (ChromiumOrSkip() is not { } chromium)
        {
            return;
        }

        using var pool = new ProcessPool(new ProcessPoolOptions { WorkerCount = 2, Name = $"dash-{Guid.NewGuid():N}" });
        using var dash = Dash.Start(new DashboardOptions { Pools = [pool] }); // before the tasks, whose records the page shows
        int[] squares = await pool.MapAsync(static (int x) => x * x, Enumerable.Range(0, 200), chunkSize: 10).WaitAsync(Within.Deadline);
        Assert.Equal(2_646_700, squares.Sum());
        for (int i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<RemoteException>(() => pool.Submit(static (int x) => x > 0 ? throw new InvalidOperationException("fails on purpose") : x, 1).WaitAsync(Within.Deadline));
        }

        PoolCounters counters = pool.Counters; // quiet now: the page must show exactly these
        Assert.Equal(20, counters.Completed);
        Assert.Equal(2, counters.Failed);

        using Chromium browser = Chromium.Start(chromium);
        using CdpPage page = await browser.Open(dash.Url);
        string section = $"section[data-pool=\"{pool.Name}\"]";
        JsonNode shown = (await page.Evaluate(WhenShown(section, "true") + $$"""
            .then(() => {
              const s = document.querySelector('{{section}}');
              const stat = n => s.querySelector(`[data-stat="${n}"]`).textContent;
              return { completed: stat("completed"), failed: stat("failed"), queued: stat("queued"), running: stat("running"),
                       workers: stat("workersAlive"), pids: [...s.querySelectorAll("table.workers tr[data-pid]")].map(r => r.dataset.pid),
                       bars: s.querySelector("svg.stream").dataset.bars, failures: s.querySelectorAll(".failure pre").length,
                       failureText: s.querySelector(".failure pre").textContent };
            })
            """))!;
        output.WriteLine(shown.ToJsonString());
        Assert.Equal(counters.Completed.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)shown["completed"]);
        Assert.Equal(counters.Failed.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)shown["failed"]);
        Assert.Equal("0", (string?)shown["queued"]);
        Assert.Equal("0", (string?)shown["running"]);
        Assert.Equal("2", (string?)shown["workers"]);
        Assert.Equal(pool.WorkerPids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), shown["pids"]!.AsArray().Select(p => (string)p!).Order());
        Assert.Equal("22", (string?)shown["bars"]); // one bar per task: 20 chunks and 2 failures
        Assert.Equal(2, (int)shown["failures"]!);
        Assert.Contains("fails on purpose", (string?)shown["failureText"], StringComparison.Ordinal);

        string shots = Path.Combine(TestApp.RepoRoot, "TestResults");
        Directory.CreateDirectory(shots);
        string shot = Path.Combine(shots, "dashboard.png");
        await File.WriteAllBytesAsync(shot, await page.Screenshot());
        output.WriteLine($"screenshot: {shot}");

        // The page's own kill button, clicked in the browser: the worker is replaced and the pool still maps.
        int victim = pool.WorkerPids[0];
        await page.Evaluate($$"""document.querySelector('{{section}} button.kill[data-pid="{{victim}}"]').click(); true""");
        var clock = Stopwatch.StartNew();
        while (pool.WorkerPids.Contains(victim) || pool.WorkerPids.Count < 2)
        {
            Assert.True(clock.Elapsed < Within.Deadline, $"worker {victim} was not replaced within {Within.Deadline.TotalSeconds} s after the page's kill button");
            await Task.Delay(20);
        }

        Assert.Equal(2_646_700, (await pool.MapAsync(static (int x) => x * x, Enumerable.Range(0, 200), chunkSize: 10).WaitAsync(Within.Deadline)).Sum());
        int replacement = pool.WorkerPids.Single(p => !shown["pids"]!.AsArray().Select(x => (string)x!).Contains(p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await page.Evaluate(WhenShown(section, $"s.querySelector('tr[data-pid=\"{replacement}\"]') !== null && s.querySelector('tr[data-pid=\"{victim}\"]') === null"));
        Assert.Contains(pool.GetWorkers(), w => w.Pid == replacement && w.Restarts == 1 && w.LastExitCode == -9);
    }

    /// <summary><c>GET /api/state</c>, with the token in the header the page uses; fails the test unless it is 200.</summary>
    private static async Task<JsonNode> GetState(Dash dash)
    {
        using var http = new HttpClient { Timeout = Within.Deadline };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{dash.Port}/api/state"));
        request.Headers.Add(TokenHeader, dash.Url.Query["?token=".Length..]);
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>The chromium executable; or null, once the test's output says that its browser part is skipped.</summary>
    private string? ChromiumOrSkip()
    {
        string? chromium = Chromium.Find();
        if (chromium is null)
        {
            output.WriteLine("SKIPPED: no chromium on this machine (apt-get install chromium; .ci/run installs it). The browser part did not run.");
        }

        return chromium;
    }

    /// <summary>A promise, in the page, that resolves once the pool's section satisfies <paramref name="condition"/> (with <c>s</c> the section), and fails after 30 s.</summary>
    private static string WhenShown(string section, string condition) => $$"""
        new Promise((resolve, reject) => {
          const until = Date.now() + 30000;
          const check = () => {
            const s = document.querySelector('{{section}}');
            if (s && ({{condition}})) resolve(true);
            else if (Date.now() > until) reject(new Error("the page did not show it within 30 s: " + document.body.innerText.slice(0, 500)));
            else setTimeout(check, 50);
          };
          check();
        })
        """;
}
