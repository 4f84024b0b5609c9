namespace Multiprocessing.Bench.Compare;

/// <summary>Which way is better for a unit.</summary>
internal enum Better
{
    Unknown,
    Lower,
    Higher,
}

/// <summary>Classifies the Python script's units.</summary>
internal static class Units
{
    /// <summary>
    /// Time per thing (<c>ms/process</c>, <c>us/call</c>, <c>s</c>) and memory (<c>MB</c>, <c>MiB</c>) are better
    /// lower; throughput (<c>tasks/s</c>,
    /// <c>MB/s</c>) and speed-ups (<c>x</c>) are better higher.
    /// </summary>
    public static Better Direction(string unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.EndsWith("/s", StringComparison.Ordinal) || unit == "x")
        {
            return Better.Higher;
        }

        string time = unit.Split('/')[0];
        return time is "s" or "ms" or "us" or "ns" or "MB" or "MiB" ? Better.Lower : Better.Unknown;
    }

    /// <summary>How many times better <paramref name="dotnet"/> is than <paramref name="python"/>; null if the unit has no direction.</summary>
    public static double? TimesBetter(string unit, double dotnet, double python) => Direction(unit) switch
    {
        Better.Lower => python / dotnet,
        Better.Higher => dotnet / python,
        _ => null,
    };
}
