using System.Diagnostics;
using System.Globalization;

namespace Multiprocessing.DashboardServer;

/// <summary>
/// Memory (RSS, from <c>/proc/PID/status</c>) and CPU use (from <c>/proc/PID/stat</c>) of processes, CPU as a
/// percentage of one core since the previous reading of the same process (the first reading has none).
/// </summary>
internal sealed class ProcStats
{
    /// <summary>Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    private readonly Dictionary<int, (long CpuTicks, long At)> previous = [];

    /// <summary>The RSS in bytes and CPU % of <paramref name="pid"/>, or nulls if it is gone or /proc cannot be read.</summary>
    public (long? RssBytes, double? CpuPercent) Read(int pid)
    {
        long? rss = ReadRss(pid);
        long? ticks = ReadCpuTicks(pid);
        double? cpu = null;
        long now = Stopwatch.GetTimestamp();
        lock (previous)
        {
            if (ticks is long t)
            {
                if (previous.TryGetValue(pid, out (long CpuTicks, long At) p))
                {
                    double seconds = Stopwatch.GetElapsedTime(p.At, now).TotalSeconds;
                    if (seconds > 0.05)
                    {
                        cpu = Math.Max(0, (t - p.CpuTicks) / TicksPerSecond / seconds * 100);
                        previous[pid] = (t, now);
                    }
                }
                else
                {
                    previous[pid] = (t, now);
                }
            }
        }

        return (rss, cpu);
    }

    /// <summary>Forgets the processes not in <paramref name="live"/>.</summary>
    public void Retain(HashSet<int> live)
    {
        lock (previous)
        {
            foreach (int pid in previous.Keys.Where(p => !live.Contains(p)).ToList())
            {
                previous.Remove(pid);
            }
        }
    }

    private static long? ReadRss(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Gone meanwhile.
        }

        return null;
    }

    private static long? ReadCpuTicks(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The name (field 2) is in parentheses and may hold spaces and parentheses: the fields start after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
