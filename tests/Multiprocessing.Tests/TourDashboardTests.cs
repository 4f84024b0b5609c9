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
        Task<string> stderr = tour.StandardError.ReadToEndAsync();
        var stdout = new System.Text.StringBuilder();
        try
        {
            string? url = null;
            while (url is null)
            {
                string? line = await tour.StandardOutput.ReadLineAsync().WaitAsync(Within.Deadline);
                Assert.True(line is not null, $"the chapter ended without printing its URL: {stdout} {await stderr}");
                stdout.AppendLine(line);
                if (line.StartsWith("dashboard: ", StringComparison.Ordinal))
                {
                    url = line["dashboard: ".Length..];
                }
            }

            Assert.Matches(@"^http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43}$", url);
            var page = new Uri(url);
            using var http = new HttpClient { Timeout = Within.Deadline };
            string json = await http.GetStringAsync(new Uri(page, $"api/state{page.Query}"));
            JsonNode pool = JsonNode.Parse(json)!["pools"]!.AsArray().Single(p => (string?)p!["name"] == "tour-dashboard")!;
            int[] pids = [.. pool["workers"]!.AsArray().Select(w => (int)w!["pid"]!)];
            Assert.Equal(3, pids.Length);
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"worker {pid} listed by /api/state is not a live process"));

            using (HttpResponseMessage refused = await http.GetAsync(new Uri(page, "api/state")))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }

            stdout.Append(await tour.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(120)));
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
