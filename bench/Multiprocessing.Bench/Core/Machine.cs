using System.Runtime.InteropServices;

namespace Multiprocessing.Bench.Core;

/// <summary>One line about where the numbers come from, for the stderr tables: runtime, CPUs and, on Linux, the load average.</summary>
internal static class Machine
{
    private const string LoadAverageFile = "/proc/loadavg";

    public static string Describe(bool quick)
    {
        string load = File.Exists(LoadAverageFile)
            ? $", load average {string.Join(' ', File.ReadAllText(LoadAverageFile).Split(' ').Take(3))}"
            : string.Empty;
        return $"{RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} CPUs{load}{(quick ? ", QUICK" : string.Empty)}";
    }
}
