using System.Globalization;

namespace Multiprocessing.Tests.Support;

/// <summary>This process's child processes, as Linux lists them (running ones and unreaped zombies).</summary>
internal static class ProcessTree
{
    public static HashSet<int> ChildPids()
    {
        var pids = new HashSet<int>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
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

            foreach (string pid in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                pids.Add(int.Parse(pid, CultureInfo.InvariantCulture));
            }
        }

        return pids;
    }
}
