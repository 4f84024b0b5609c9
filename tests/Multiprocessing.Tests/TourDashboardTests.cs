using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests;

/// <summary>The tour's <c>dashboard</c> chapter: it prints its URL as soon as the page is up, and the page's JSON lists live workers while the workload runs.</summary>
public partial class TourTests
{
    [Fact]
    public async Task Tour_DashboardChapter_PrintsItsUrl_AndApiStateListsLiveWorkerPidsWhileItRuns()
    {
        using Process tour = TestApp.Start(TestApp.Dotnet, [TourDll, "dashboard"]);
        var stdout = new System.Text.StringBuilder();
        var urlLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outputEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tour.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                outputEnded.TrySetResult();
                urlLine.TrySetException(new InvalidOperationException($"the chapter ended without printing its URL: {stdout}"));
                return;
            }

            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            if (e.Data.StartsWith("dashboard: ", StringComparison.Ordinal))
            {
                urlLine.TrySetResult(e.Data["dashboard: ".Length..]);
            }
        };
        tour.BeginOutputReadLine();
        Task<string> stderr = tour.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        try
        {
            string url = await urlLine.Task.WaitAsync(Within.Deadline);
            Assert.Matches(@"^http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43}$", url);
            var page = new Uri(url);
            using var http = new HttpClient { Timeout = Within.Deadline };
            string json;
            try
            {
                json = await http.GetStringAsync(new Uri(page, $"api/state{page.Query}"));
            }
            catch (HttpRequestException e)
            {
                throw new InvalidOperationException($"GET /api/state failed {clock.Elapsed.TotalSeconds:0.0} s after the tour started (the tour has exited: {tour.HasExited}); its output so far: {stdout}", e);
            }

            JsonNode pool = JsonNode.Parse(json)!["pools"]!.AsArray().Single(p => (string?)p!["name"] == "tour-dashboard")!;
            int[] pids = [.. pool["workers"]!.AsArray().Select(w => (int)w!["pid"]!)];
            Assert.Equal(3, pids.Length);
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"worker {pid} listed by /api/state is not a live process"));

            using (HttpResponseMessage refused = await http.GetAsync(new Uri(page, "api/state")))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }

            await outputEnded.Task.WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(tour.WaitForExit(TimeSpan.FromSeconds(30)), "the tour did not exit");
            Assert.True(tour.ExitCode == 0, $"{stdout}\n{await stderr}");
            string text = stdout.ToString();
            Assert.Contains("the failing task: RemoteException", text, StringComparison.Ordinal);
            Assert.Contains("the killed task: ProcessDiedException", text, StringComparison.Ordinal);
            Assert.Matches(@"killed worker \d+ in the middle of its task", text);
        }
        finally
        {
            if (!tour.HasExited)
            {
                tour.Kill(entireProcessTree: true);
            }
        }
    }
}
