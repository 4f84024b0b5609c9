using System.Globalization;

namespace Multiprocessing.Tests.Support;

/// <summary>Child processes as Linux lists them (running ones and unreaped zombies).</summary>
internal static class ProcessTree
{
    /// <summary>This process's children.</summary>
    public static HashSet<int> ChildPids() => ChildPids("self");

    /// <summary>The children of <paramref name="pid"/> ("self" for this process); none if it is gone.</summary>
    public static HashSet<int> ChildPids(string pid)
    {
        var pids = new HashSet<int>();
        IEnumerable<string> tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (DirectoryNotFoundException)
        {
            return pids; // the process is gone
        }

        foreach (string task in tasks)
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            foreach (string child in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                pids.Add(int.Parse(child, CultureInfo.InvariantCulture));
            }
        }

        return pids;
    }

    /// <summary>Every process below <paramref name="pid"/>.</summary>
    public static HashSet<int> Descendants(int pid)
    {
        var found = new HashSet<int>();
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out int next))
        {
            foreach (int child in ChildPids(next.ToString(CultureInfo.InvariantCulture)))
            {
                if (found.Add(child))
                {
                    pending.Push(child);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The processor time (clock ticks) that <paramref name="root"/> and the processes below it now have used, with
    /// what their reaped children used: it grows while any of them works. 0 if the root is gone.
    /// </summary>
    public static long CpuTicks(int root)
    {
        long total = 0;
        foreach (int pid in Descendants(root).Append(root))
        {
            total += CpuTicksOf(pid);
        }

        return total;
    }

    /// <summary>A process's processor time with its reaped children's (fields 14-17 of <c>/proc/pid/stat</c>); 0 if it is gone.</summary>
    private static long CpuTicksOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // gone meanwhile
        }

        // The name, in parentheses, may hold spaces and parentheses: the fields start after the last ')', at field 3.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long used = 0;
        for (int i = 11; i <= 14 && i < fields.Length; i++)
        {
            used += long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return used;
    }
}
