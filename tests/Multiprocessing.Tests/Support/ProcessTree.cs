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
}
