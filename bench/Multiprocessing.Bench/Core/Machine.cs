using System.Runtime.InteropServices;

namespace Multiprocessing.Bench.Core;

/// <summary>One line about where the numbers come from, for the stderr tables: runtime, CPUs and, on Linux, the load average.</summary>
internal static class Machine
{
    private const string LoadAverageFile = "/proc/loadavg";

    public static string Describe(bool quick)
    {
        string load = LoadAverage() is { } average ? $", load average {average}" : string.Empty;
        return $"{RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} CPUs{load}{(quick ? ", QUICK" : string.Empty)}";
    }

    /// <summary>The 1, 5 and 15 minute load averages (<c>"1.03 0.98 0.87"</c>); null where there is no <c>/proc/loadavg</c>.</summary>
    public static string? LoadAverage() =>
        File.Exists(LoadAverageFile) ? string.Join(' ', File.ReadAllText(LoadAverageFile).Split(' ').Take(3)) : null;
}
