using System.Security.Cryptography;
using System.Text;

namespace Multiprocessing.Sharing;

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
        if (!IsFileName(file))
        {
            file = Prefix + "h-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..40];
        }

        return System.IO.Path.Combine(Directory, file);
    }

    /// <summary>
    /// True for the name of a file that <see cref="PathOf"/> makes (the part after <c>/dev/shm/</c>): our prefix, at
    /// most 200 characters, only letters, digits, '.', '_' and '-'. Such a name is one path component that cannot
    /// leave /dev/shm: it has no '/' and, starting with the prefix, is never "." or "..". The resource tracker
    /// accepts nothing else.
    /// </summary>
    public static bool IsFileName(string file) =>
        file.StartsWith(Prefix, StringComparison.Ordinal)
        && file.Length <= MaxName
        && file.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The name of the file at <paramref name="path"/> (what <see cref="PathOf"/> returned), as the resource tracker is told it.</summary>
    public static string FileOf(string path) => path[(Directory.Length + 1)..];
}
