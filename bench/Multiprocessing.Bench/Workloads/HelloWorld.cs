using System.Diagnostics;
using System.Runtime.InteropServices;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// <c>dotnet Hello.dll</c>, launched with the muxer this process runs on. The build copies bench/Hello's output to
/// <c>hello/</c> beside the bench (see the CopyHelloWorld target).
/// </summary>
internal sealed class HelloWorld
{
    private const string Expected = "Hello, World!";

    private readonly ProcessStartInfo startInfo;

    private HelloWorld(string muxer, string dll)
    {
        startInfo = new ProcessStartInfo(muxer)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        startInfo.ArgumentList.Add(dll);
    }

    /// <exception cref="BenchException">The muxer or Hello.dll cannot be found.</exception>
    public static HelloWorld Locate()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "hello", "Hello.dll");
        return File.Exists(dll)
            ? new HelloWorld(FindMuxer(), dll)
            : throw new BenchException($"{dll} is missing; build the bench project (it builds bench/Hello and copies it there).");
    }

    /// <summary>Starts the hello world, discards its output, and waits for it to exit.</summary>
    /// <exception cref="BenchException">It failed or printed something else.</exception>
    public void RunOnce()
    {
        using Process process = Process.Start(startInfo)
            ?? throw new BenchException($"could not start {startInfo.FileName}");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !output.StartsWith(Expected, StringComparison.Ordinal))
        {
            throw new BenchException($"{startInfo.FileName} {startInfo.ArgumentList[0]} exited with {process.ExitCode} and printed '{output.Trim()}'");
        }
    }

    /// <summary>The <c>dotnet</c> muxer of the runtime this process runs on.</summary>
    private static string FindMuxer()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        // The runtime directory is <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string beside = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        if (File.Exists(beside))
        {
            return beside;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : throw new BenchException($"cannot find the dotnet muxer (looked for {beside} and DOTNET_HOST_PATH)");
    }
}
