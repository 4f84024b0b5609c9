using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Multiprocessing.Tests.Dashboard;

/// <summary>
/// One page of a <see cref="Chromium"/>, driven over the DevTools protocol (a WebSocket, JSON messages): evaluate a
/// script (awaiting its promise) and take a screenshot. Every call fails the test after 60 s.
/// </summary>
internal sealed class CdpPage : IDisposable
{
    private static readonly TimeSpan CallTime = TimeSpan.FromSeconds(60);
    private readonly ClientWebSocket socket = new();
    private int nextId;

    private CdpPage()
    {
    }

    /// <summary>Connects to the first page target of the browser whose DevTools endpoint is <paramref name="devTools"/>.</summary>
    public static async Task<CdpPage> Connect(Uri devTools)
    {
        using var http = new HttpClient { Timeout = CallTime };
        string list = await http.GetStringAsync(new Uri($"http://{devTools.Authority}/json/list"));
        string ws = JsonNode.Parse(list)!.AsArray().First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        var page = new CdpPage();
        using var cts = new CancellationTokenSource(CallTime);
        await page.socket.ConnectAsync(new Uri(ws), cts.Token);
        return page;
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page, awaiting it if it is a promise, and returns its value as JSON.</summary>
    public async Task<JsonNode?> Evaluate(string expression)
    {
        JsonNode result = await Call("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } error)
        {
            Assert.Fail($"The page's script threw: {error.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    /// <summary>
    /// Loads <paramref name="url"/>; returns once the navigation has committed (the page's own document, not the blank
    /// one the browser opened with, is then where <see cref="Evaluate"/> runs).
    /// </summary>
    public async Task Navigate(Uri url)
    {
        JsonNode result = await Call("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        Assert.True(result["errorText"] is null, $"the page did not load: {result.ToJsonString()}");
    }

    /// <summary>A PNG of the page.</summary>
    public async Task<byte[]> Screenshot()
    {
        JsonNode result = await Call("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    public void Dispose() => socket.Dispose();

    private async Task<JsonNode> Call(string method, JsonObject parameters)
    {
        int id = ++nextId;
        using var cts = new CancellationTokenSource(CallTime);
        byte[] request = Encoding.UTF8.GetBytes(new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString());
        await socket.SendAsync(request, WebSocketMessageType.Text, endOfMessage: true, cts.Token);
        byte[] buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult part;
            do
            {
                part = await socket.ReceiveAsync(buffer, cts.Token);
                message.Write(buffer, 0, part.Count);
            }
            while (!part.EndOfMessage);

            JsonNode reply = JsonNode.Parse(message.ToArray())!;
            if (reply["id"]?.GetValue<int>() != id)
            {
                continue; // an event, or another call's answer
            }

            if (reply["error"] is { } error)
            {
                Assert.Fail($"DevTools {method} failed: {error.ToJsonString(new JsonSerializerOptions())}");
            }

            return reply["result"]!;
        }
    }
}
