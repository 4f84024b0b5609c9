using System.Buffers;
using Multiprocessing.Interop;

namespace Multiprocessing.Sharing;

/// <summary>
/// The private folders that <see cref="Listener.Create(byte[], ConnectionOptions)"/> makes in the temp folder, one
/// socket file in each: <c>$TMPDIR/mpnet-XXXXXX/listener.sock</c>. A listener removes its folder when it is
/// closed; the resource tracker removes the folder of a process that died without closing it. The tracker is told
/// names only, checks them here, and builds the path under its own temp folder.
/// </summary>
internal static class SocketFolders
{
    /// <summary>The prefix of the folder's name (<see cref="Directory.CreateTempSubdirectory"/> appends random letters and digits).</summary>
    public const string Prefix = "mpnet-";

    /// <summary>The socket file inside the folder, the only file the tracker removes there.</summary>
    public const string SocketFile = "listener.sock";

    /// <summary>Longest suffix accepted after the prefix; <c>mkdtemp</c> makes 6 characters.</summary>
    private const int MaxSuffix = 32;

    private static readonly SearchValues<char> AsciiLettersAndDigits =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    /// <summary>True for a folder name that a listener makes: the prefix, then 1 to 32 ASCII letters and digits. One path component that cannot leave the temp folder.</summary>
    public static bool IsFolderName(string name) =>
        name.Length > Prefix.Length
        && name.Length <= Prefix.Length + MaxSuffix
        && name.StartsWith(Prefix, StringComparison.Ordinal)
        && name.AsSpan(Prefix.Length).ContainsAnyExcept(AsciiLettersAndDigits) is false;

    /// <summary>
    /// The folder <paramref name="name"/> under <paramref name="root"/>, if it is a real directory (not a symbolic
    /// link) owned by this process's user and <paramref name="name"/> is a valid folder name; null otherwise.
    /// </summary>
    public static FileStatus? Inspect(string root, string name)
    {
        if (!IsFolderName(name))
        {
            return null;
        }

        FileStatus? status = Libc.LinkStatusOf(Path.Combine(root, name));
        return status is { IsDirectory: true } s && s.Uid == Libc.GetEffectiveUid() ? s : null;
    }

    /// <summary>
    /// Removes the folder that <see cref="Inspect"/> found as <paramref name="registered"/>, if it is still that
    /// very directory: its socket file (only if it is a socket of this user), then the folder itself if that left
    /// it empty. Anything else in it stays, and so does the folder.
    /// </summary>
    /// <returns>True if the folder is gone.</returns>
    public static bool Remove(string root, string name, FileStatus registered)
    {
        if (Inspect(root, name) is not { } now || !now.IsSameFile(registered))
        {
            return false; // Gone already, or another folder took the name: not ours to touch.
        }

        string folder = Path.Combine(root, name);
        string socket = Path.Combine(folder, SocketFile);
        if (Libc.LinkStatusOf(socket) is { IsSocket: true } file && file.Uid == registered.Uid)
        {
            Libc.Unlink(socket);
        }

        return Libc.Rmdir(folder) == 0;
    }
}
