using System.Reflection.PortableExecutable;

namespace Multiprocessing.Tests.Support;

/// <summary>The dotnet CLI as the packaging tests run it (pack, build), and what they read in the files it makes.</summary>
internal static class DotnetCli
{
    /// <summary>IMAGE_FILE_MACHINE_AMD64 as crossgen2 writes it for Linux (0x8664 ^ 0x7B79): a ReadyToRun image for linux-x64.</summary>
    public const Machine LinuxX64ReadyToRun = (Machine)(0x8664 ^ 0x7B79);

    /// <summary>
    /// A guard against a hang of the SDK, not a bar: the longest it may print nothing (a restore and build take 20 s alone
    /// and several minutes on a loaded machine, and one compile prints nothing until it ends).
    /// </summary>
    private static readonly TimeSpan BuildSilence = TimeSpan.FromMinutes(15);

    private static readonly Dictionary<string, string> Quiet = new() { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };

    /// <summary>Runs the dotnet CLI; fails the test unless it exits with 0. Returns its standard output.</summary>
    public static string Run(params string[] args)
    {
        (int code, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, args, Quiet, BuildSilence);
        Assert.True(code == 0, $"dotnet {string.Join(' ', args)} exited with {code}:{Environment.NewLine}{stdout}{stderr}");
        return stdout;
    }

    /// <summary>The machine a PE file is marked for: <see cref="Machine.I386"/> for IL, <see cref="LinuxX64ReadyToRun"/> for the linux-x64 image.</summary>
    public static Machine MachineOf(string path)
    {
        using PEReader pe = new(File.OpenRead(path));
        return pe.PEHeaders.CoffHeader.Machine;
    }
}
