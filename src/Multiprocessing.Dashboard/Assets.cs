using System.Collections.Concurrent;
using System.Text;

namespace Multiprocessing.DashboardServer;

/// <summary>The page, script and style embedded in this assembly (Assets/*), read once.</summary>
internal static class Assets
{
    private static readonly ConcurrentDictionary<string, byte[]> Cache = new();

    public static byte[] Bytes(string name) => Cache.GetOrAdd(name, static n =>
    {
        using Stream stream = typeof(Assets).Assembly.GetManifestResourceStream($"Multiprocessing.Dashboard.{n}")
            ?? throw new InvalidOperationException($"The embedded asset {n} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static string Text(string name) => Encoding.UTF8.GetString(Bytes(name));
}
