namespace Multiprocessing.Interop;

/// <summary>Who owns a file and what it is, read with <c>statx</c> (whose layout is the same on every architecture).</summary>
/// <param name="Uid">The owner's user id.</param>
/// <param name="Mode">Type and permission bits (<c>st_mode</c>).</param>
/// <param name="Device">The device (major, minor) holding the file.</param>
/// <param name="Inode">The inode number: with <paramref name="Device"/>, which file this is.</param>
internal readonly record struct FileStatus(uint Uid, uint Mode, (uint Major, uint Minor) Device, ulong Inode)
{
    private const uint TypeMask = 0xF000; // S_IFMT
    private const uint RegularType = 0x8000; // S_IFREG
    private const uint DirectoryType = 0x4000; // S_IFDIR
    private const uint SocketType = 0xC000; // S_IFSOCK

    /// <summary>A regular file (not a link, a directory, a FIFO...).</summary>
    public bool IsRegularFile => (Mode & TypeMask) == RegularType;

    /// <summary>A directory.</summary>
    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

    /// <summary>A Unix domain socket's file.</summary>
    public bool IsSocket => (Mode & TypeMask) == SocketType;

    /// <summary>The same file as <paramref name="other"/>.</summary>
    public bool IsSameFile(FileStatus other) => Device == other.Device && Inode == other.Inode;
}
