using System.Diagnostics;
using System.Runtime.InteropServices;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// <c>dotnet Hello.dll</c>, launched with the muxer this process runs on. The build copies bench/Hello's output to
/// <c>hello/</c> beside the bench (see the CopyHelloWorld target). Given an argument, it also prints its peak resident
/// memory (the <c>VmHWM</c> line of <c>/proc/self/status</c>).
/// </summary>
internal sealed class HelloWorld
{
    private const string Expected = "Hello, World!";

    /// <summary>The argument that makes it print its peak resident memory too.</summary>
    private const string PeakArgument = "--peak-rss";

    private readonly ProcessStartInfo startInfo;

    private readonly ProcessStartInfo peakStartInfo;

    private HelloWorld(string muxer, string dll)
    {
        startInfo = StartInfo(muxer, dll);
        peakStartInfo = StartInfo(muxer, dll);
        peakStartInfo.ArgumentList.Add(PeakArgument);
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
    public void RunOnce() => _ = Run(startInfo);

    /// <summary>Runs the hello world once, asking it for its peak resident memory.</summary>
    /// <returns>Its peak resident memory (<c>VmHWM</c>) in MiB.</returns>
    /// <exception cref="BenchException">This is not Linux, or it failed or printed something else.</exception>
    public double PeakResidentMb()
    {
        ProcessMemory.RequireLinux("/proc/self/status");
        return ProcessMemory.Kilobytes(Run(peakStartInfo), "VmHWM") / 1024.0;
    }

    private static ProcessStartInfo StartInfo(string muxer, string dll)
    {
        var info = new ProcessStartInfo(muxer)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(dll);
        return info;
    }

    /// <returns>What it printed.</returns>
    /// <exception cref="BenchException">It failed or printed something else than the hello line first.</exception>
    private static string Run(ProcessStartInfo info)
    {
        using Process process = Process.Start(info)
            ?? throw new BenchException($"could not start {info.FileName}");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !output.StartsWith(Expected, StringComparison.Ordinal))
        {
            throw new BenchException($"{info.FileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode} and printed '{output.Trim()}'");
        }

        return output;
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
