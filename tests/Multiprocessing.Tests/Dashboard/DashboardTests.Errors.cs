using System.Net;
using Microsoft.Extensions.Logging;
using Multiprocessing.Tests.Diagnostics;
using Multiprocessing.Tests.Support;
using Dash = Multiprocessing.Dashboard;

namespace Multiprocessing.Tests.Dashboard;

/// <summary>A request the dashboard fails to answer: a 500 that shows nothing of the exception, a log record that does, and the server goes on.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task AStateSourceThatThrows_Gets500WithAGenericMessage_TheExceptionIsLogged_AndTheServerGoesOnServing()
    {
        const string Secret = "secret detail of the broken state source";
        using var logs = new CollectingLoggerProvider();
        using ILoggerFactory factory = logs.CreateFactory();
        int reads = 0;
        using var dash = Dash.Start(new DashboardOptions { LoggerFactory = factory }, () =>
        {
            if (Interlocked.Increment(ref reads) == 1)
            {
                throw new InvalidOperationException(Secret);
            }

            return [];
        });
        string token = dash.Url.Query["?token=".Length..];
        Uri state = new($"http://127.0.0.1:{dash.Port}/api/state");
        using var http = new HttpClient { Timeout = Within.Deadline };

        using (var request = new HttpRequestMessage(HttpMethod.Get, state))
        {
            request.Headers.Add(TokenHeader, token);
            using HttpResponseMessage failed = await http.SendAsync(request);
            string body = await failed.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal(1, Volatile.Read(ref reads)); // answered at once, not after the client tried again on a new connection
            Assert.Equal("Internal Server Error", failed.ReasonPhrase);
            Assert.StartsWith("Internal Server Error", body, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(nameof(InvalidOperationException), body, StringComparison.Ordinal);
        }

        CollectedRecord record = logs.WaitFor(r => r.EventId.Id == 5000, "of the failed request");
        Assert.Equal(("Multiprocessing.Dashboard", LogLevel.Error, "DashboardRequestFailed"), (record.Category, record.Level, record.EventId.Name));
        Assert.Equal(Secret, Assert.IsType<InvalidOperationException>(record.Exception).Message);
        Assert.Contains("GET /api/state", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, record.Message, StringComparison.Ordinal); // the path is logged, never the query

        // The server goes on: the next read of the state works, and so does the page.
        Assert.Empty((await GetState(dash))["pools"]!.AsArray());

        using HttpResponseMessage page = await http.GetAsync(dash.Url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(2, Volatile.Read(ref reads));
        Assert.Single(logs.Records, r => r.EventId.Id == 5000);
    }
}
