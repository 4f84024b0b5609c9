using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Multiprocessing.Tests.Dashboard;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>, which .ci/run installs), started on a page with the DevTools protocol
/// on a port of its own choosing; <see cref="Dispose"/> kills it and removes its profile.
/// </summary>
internal sealed partial class Chromium : IDisposable
{
    private readonly Process process;
    private readonly string profile;

    private Chromium(Process process, string profile, Uri devTools)
    {
        this.process = process;
        this.profile = profile;
        DevTools = devTools;
    }

    /// <summary>The browser's DevTools endpoint, such as <c>ws://127.0.0.1:PORT/devtools/browser/ID</c>.</summary>
    public Uri DevTools { get; }

    /// <summary>The chromium executable on this machine, or null if there is none.</summary>
    public static string? Find()
    {
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            {
                string path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    /// <summary>Starts the browser on a blank page and waits (at most 60 s) until it says where DevTools listens.</summary>
    public static Chromium Start(string executable)
    {
        string profile = Path.Combine(Path.GetTempPath(), $"mp-chromium-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--window-size=1400,1800", "about:blank" })
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"chromium exited before DevTools listened: {stderr}"));
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (DevToolsLine().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.BeginErrorReadLine();
        try
        {
            Assert.True(listening.Task.Wait(TimeSpan.FromSeconds(60)), $"chromium did not open DevTools within 60 s: {stderr}");
            return new Chromium(process, profile, listening.Task.Result);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the browser's page and loads <paramref name="url"/> in it.</summary>
    public async Task<CdpPage> Open(Uri url)
    {
        CdpPage page = await CdpPage.Connect(DevTools);
        try
        {
            await page.Navigate(url);
            return page;
        }
        catch
        {
            page.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying helper process: /tmp is cleaned anyway.
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
