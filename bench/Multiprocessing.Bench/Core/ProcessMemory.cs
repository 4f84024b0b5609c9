using System.Globalization;

namespace Multiprocessing.Bench.Core;

/// <summary>
/// A process's memory in MiB (2^20 bytes: the kernel's kB are KiB), as Linux counts it in <c>/proc/&lt;pid&gt;/smaps_rollup</c>: <c>Rss</c>
/// (its resident pages, shared or not), <c>Pss</c> (each resident page divided by the number of processes that map
/// it) and the unique set <c>Uss</c> (<c>Private_Clean</c> + <c>Private_Dirty</c>: what ending the process would
/// give back).
/// </summary>
internal sealed record ProcessMemory(double RssMb, double PssMb, double UssMb)
{
    private const double KilobytesPerMb = 1024;

    /// <summary>Reads <c>/proc/<paramref name="pid"/>/smaps_rollup</c>.</summary>
    /// <exception cref="BenchException">This is not Linux, or the file cannot be read (the process ended) or parsed.</exception>
    public static ProcessMemory Of(int pid)
    {
        string path = $"/proc/{pid}/smaps_rollup";
        RequireLinux(path);
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (IOException e)
        {
            throw new BenchException($"cannot read {path}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BenchException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of an <c>smaps_rollup</c> file.</summary>
    /// <exception cref="BenchException">A field is missing or not a number of kB.</exception>
    public static ProcessMemory Parse(string smapsRollup) => new(
        Kilobytes(smapsRollup, "Rss") / KilobytesPerMb,
        Kilobytes(smapsRollup, "Pss") / KilobytesPerMb,
        (Kilobytes(smapsRollup, "Private_Clean") + Kilobytes(smapsRollup, "Private_Dirty")) / KilobytesPerMb);

    /// <summary>The mean of each figure.</summary>
    /// <exception cref="ArgumentException"><paramref name="memories"/> is empty.</exception>
    public static ProcessMemory Mean(IReadOnlyCollection<ProcessMemory> memories)
    {
        ArgumentNullException.ThrowIfNull(memories);
        if (memories.Count == 0)
        {
            throw new ArgumentException("There is no process to average.", nameof(memories));
        }

        return new(memories.Average(m => m.RssMb), memories.Average(m => m.PssMb), memories.Average(m => m.UssMb));
    }

    /// <summary>
    /// The value of the line <c>field:   N kB</c> of a <c>/proc</c> file that lists fields so
    /// (<c>smaps_rollup</c>, <c>status</c>).
    /// </summary>
    /// <exception cref="BenchException">There is no such line, or its value is not a number of kB.</exception>
    public static long Kilobytes(string text, string field)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(field);
        foreach (string line in text.Split('\n'))
        {
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && parts[0] == field + ":")
            {
                return parts.Length == 3 && parts[2] == "kB" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb)
                    ? kb
                    : throw new BenchException($"'{line.Trim()}' is not '{field}: <number> kB'");
            }
        }

        throw new BenchException($"no '{field}:' line in '{Shorten(text)}'");
    }

    /// <exception cref="BenchException">This is not Linux.</exception>
    public static void RequireLinux(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new BenchException($"worker_memory reads {path}, which only Linux has");
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text.Trim() : text[..200].Trim() + "...";
}
