using System.Net;
using System.Text.Json.Nodes;
using Multiprocessing.Tests.Support;
using Dash = Multiprocessing.Dashboard;

namespace Multiprocessing.Tests.Dashboard;

/// <summary>The dashboard's cancel action (<c>POST /api/cancel</c>, <see cref="ProcessPool.CancelQueuedTask"/>): from the page's button in a real browser, and at the HTTP level.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task Browser_CancelButton_CancelsTheQueuedTask_AndLeavesTheRunningOneAlone()
    {
        if (ChromiumOrSkip() is not { } chromium)
        {
            return;
        }

        using HeldWorkerPool held = await HeldWorkerPool.Start();
        ProcessPool pool = held.Pool;
        (Task<int> waiting, long queuedId, SharedEvent ran) = held.Queue(2);

        using var dash = Dash.Start(new DashboardOptions { Pools = [pool] });
        using Chromium browser = Chromium.Start(chromium);
        using CdpPage page = await browser.Open(dash.Url);
        string section = $"section[data-pool=\"{pool.Name}\"]";
        string cancelButton = $"button.cancel[data-task=\"{queuedId}\"]";
        await page.Evaluate(WhenShown(section, $"s.querySelector('{cancelButton}') !== null && s.querySelector('[data-stat=\"queued\"]').textContent === '1' && s.querySelector('[data-stat=\"running\"]').textContent === '1'"));

        // The page's own cancel button, clicked in the browser.
        await page.Evaluate($$"""document.querySelector('{{section}} {{cancelButton}}').click(); true""");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Within.Deadline));
        Assert.True(waiting.IsCanceled, $"the cancelled task ended {waiting.Status}, not Canceled");

        // The page no longer lists it: no cancel button, nothing queued, the running task still running.
        await page.Evaluate(WhenShown(section, "s.querySelector('button.cancel') === null && s.querySelector('[data-stat=\"queued\"]').textContent === '0' && s.querySelector('[data-stat=\"running\"]').textContent === '1'"));
        JsonNode mine = await StateOf(dash, pool);
        Assert.Empty(mine["queuedTasks"]!.AsArray());
        JsonNode shownWorker = Assert.Single(mine["workers"]!.AsArray())!;
        Assert.Equal(held.WorkerPid, (int)shownWorker["pid"]!);
        Assert.Equal(held.RunningId, (long)shownWorker["taskId"]!);

        // The running task is unaffected: same worker, same task, still busy; it ends normally once released.
        Assert.False(held.Running.IsCompleted, $"the running task ended ({held.Running.Status}) when the queued one was cancelled");
        PoolWorkerInfo after = Assert.Single(pool.GetWorkers());
        Assert.Equal((held.WorkerPid, held.RunningId, PoolWorkerState.Busy), (after.Pid!.Value, after.CurrentTaskId!.Value, after.State));
        held.Release();
        Assert.Equal(1, await held.Running.WaitAsync(Within.Deadline));
        Assert.Equal(3, await pool.Submit(static () => 3).WaitAsync(Within.Deadline)); // one worker, in order: the cancelled task would have run before this one
        Assert.False(ran.IsSet, "the cancelled task ran");
        Assert.Empty(pool.GetQueuedTaskIds());
    }

    [Fact]
    public async Task ApiCancel_WithoutTheToken_Is403_WithABadOrUnknownTask_Is4xx_AndNeitherCancelsAnything()
    {
        using HeldWorkerPool held = await HeldWorkerPool.Start();
        ProcessPool pool = held.Pool;
        (Task<int> waiting, long queuedId, SharedEvent ran) = held.Queue(2);
        (Task<int> other, long otherId, SharedEvent otherRan) = held.Queue(4);
        IReadOnlyList<long> queued = pool.GetQueuedTaskIds();

        using var dash = Dash.Start(new DashboardOptions { Pools = [pool] });
        Uri root = new($"http://127.0.0.1:{dash.Port}/");
        string token = dash.Url.Query["?token=".Length..];
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { Timeout = Within.Deadline };
        string cancelQueued = $"api/cancel?pool={pool.Name}&task={queuedId}";

        // Without the token (none, a wrong one, or only the page's cookie): 403, and the task still waits.
        using (HttpResponseMessage none = await http.PostAsync(new Uri(root, cancelQueued), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, none.StatusCode);
        }

        foreach ((string header, string value) in new[] { (TokenHeader, token + "x"), (TokenHeader, token[..^1]), ("Cookie", $"mpdash{dash.Port}={token}") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, cancelQueued));
            request.Headers.Add(header, value);
            using HttpResponseMessage response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"POST /{cancelQueued} with {header}: {value} gave {(int)response.StatusCode}");
        }

        using (HttpResponseMessage wrongInUrl = await http.PostAsync(new Uri(root, $"{cancelQueued}&token={token}x"), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrongInUrl.StatusCode);
        }

        // With the token, but no task id, a malformed one, or another pool's name: 400, saying what to give.
        foreach (string query in new[] { $"pool={pool.Name}", $"pool={pool.Name}&task=", $"pool={pool.Name}&task=abc", $"pool={pool.Name}&task=-{queuedId}", $"pool={pool.Name}&task=99999999999999999999", $"pool=no-such-pool&task={queuedId}", $"task={queuedId}" })
        {
            (HttpStatusCode status, string body) = await PostWithToken(http, new Uri(root, $"api/cancel?{query}"), token);
            Assert.True(status == HttpStatusCode.BadRequest, $"POST /api/cancel?{query} gave {(int)status}: {body}");
            Assert.Contains("task=", body, StringComparison.Ordinal);
        }

        // An id no task waits under (never given, or the running task's): 404, saying the task is not waiting.
        foreach (long id in new[] { Math.Max(queuedId, otherId) + 1000, held.RunningId })
        {
            (HttpStatusCode status, string body) = await PostWithToken(http, new Uri(root, $"api/cancel?pool={pool.Name}&task={id}"), token);
            Assert.True(status == HttpStatusCode.NotFound, $"POST /api/cancel for task {id} gave {(int)status}: {body}");
            JsonNode answer = JsonNode.Parse(body)!;
            Assert.False((bool)answer["ok"]!);
            Assert.Equal($"task {id} of {pool.Name} is not waiting", (string?)answer["message"]);
        }

        // Nothing was cancelled: both tasks still wait, the running one runs on.
        Assert.Equal(queued, pool.GetQueuedTaskIds());
        Assert.False(waiting.IsCompleted || other.IsCompleted || held.Running.IsCompleted, $"a task ended: waiting {waiting.Status}, other {other.Status}, running {held.Running.Status}");

        // The control: the token and a waiting task's id cancel that task, and only it.
        (HttpStatusCode okStatus, string okBody) = await PostWithToken(http, new Uri(root, $"api/cancel?pool={pool.Name}&task={otherId}"), token);
        Assert.True(okStatus == HttpStatusCode.OK, $"cancelling task {otherId} gave {(int)okStatus}: {okBody}");
        Assert.Equal($"cancelled task {otherId} of {pool.Name}", (string?)JsonNode.Parse(okBody)!["message"]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => other.WaitAsync(Within.Deadline));
        Assert.Equal([queuedId], pool.GetQueuedTaskIds());

        held.Release();
        Assert.Equal(1, await held.Running.WaitAsync(Within.Deadline));
        Assert.Equal(2, await waiting.WaitAsync(Within.Deadline));
        Assert.True(ran.IsSet);
        Assert.False(otherRan.IsSet, "the cancelled task ran");
    }

    /// <summary>Posts to <paramref name="url"/> with the token in the header the page uses.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> PostWithToken(HttpClient http, Uri url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add(TokenHeader, token);
        using HttpResponseMessage response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The pool's entry in <c>GET /api/state</c>.</summary>
    private static async Task<JsonNode> StateOf(Dash dash, WorkerPool pool) =>
        (await GetState(dash))["pools"]!.AsArray().Single(p => (string?)p!["name"] == pool.Name)!;
}
