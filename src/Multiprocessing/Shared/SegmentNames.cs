using System.Security.Cryptography;
using System.Text;

namespace Multiprocessing.Shared;

/// <summary>Maps user-visible segment names to files under /dev/shm: a fixed prefix, safe characters, long names hashed.</summary>
internal static class SegmentNames
{
    public const string Directory = "/dev/shm";
    public const string Prefix = "mpnet-";
    private const int MaxName = 200;

    /// <summary>A fresh random name.</summary>
    public static string NewName() => Prefix + Guid.NewGuid().ToString("N");

    /// <summary>The file for a name: names made of letters, digits, '.', '_' and '-' are kept (with our prefix); others are hashed.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string file = name.StartsWith(Prefix, StringComparison.Ordinal) ? name : Prefix + name;
        bool safe = file.Length <= MaxName && file.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        if (!safe)
        {
            file = Prefix + "h-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..40];
        }

        return System.IO.Path.Combine(Directory, file);
    }
}
