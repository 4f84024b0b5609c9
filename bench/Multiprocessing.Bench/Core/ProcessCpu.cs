using System.Globalization;

namespace Multiprocessing.Bench.Core;

/// <summary>
/// The processor time a process has used, user and system, all its threads (ended ones too), from
/// <c>/proc/&lt;pid&gt;/stat</c>: a cost that does not grow when other processes take the cores, unlike elapsed time.
/// Linux counts it in ticks of 10 ms (<c>USER_HZ</c>, 100 on every architecture .NET runs on).
/// </summary>
internal static class ProcessCpu
{
    /// <summary>Ticks per second of <c>/proc/&lt;pid&gt;/stat</c>'s times (<c>USER_HZ</c>).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The processor seconds process <paramref name="pid"/> has used so far.</summary>
    /// <exception cref="BenchException">This is not Linux, or the file cannot be read (the process ended) or parsed.</exception>
    public static double Seconds(int pid)
    {
        string path = $"/proc/{pid}/stat";
        ProcessMemory.RequireLinux(path);
        try
        {
            return Ticks(File.ReadAllText(path)) / TicksPerSecond;
        }
        catch (IOException e)
        {
            throw new BenchException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// <c>utime + stime</c> (fields 14 and 15) of the text of a <c>/proc/&lt;pid&gt;/stat</c> file. The second field,
    /// the command's name in parentheses, may hold spaces and parentheses itself: the fields are counted from the
    /// last <c>)</c>.
    /// </summary>
    /// <exception cref="BenchException">The text has not the fields of a stat file.</exception>
    public static long Ticks(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        int close = stat.LastIndexOf(')');
        string[] fields = close < 0 ? [] : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // fields[0] is field 3 (the state); utime and stime are fields 14 and 15.
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long system)
            ? user + system
            : throw new BenchException($"'{(stat.Length <= 200 ? stat.Trim() : stat[..200] + "...")}' is not a /proc/<pid>/stat line");
    }
}
