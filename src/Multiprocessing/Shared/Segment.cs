using System.Runtime.InteropServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Shared;

/// <summary>
/// A mapped shared-memory file under /dev/shm, the storage of every shared object. Permissions 0600. While a
/// process has the segment open it holds a shared <c>flock</c> on it, which the kernel drops when the process
/// exits however it ends; a segment whose last holder is gone is removed, by that holder when it closes it, or
/// by the resource tracker (<see cref="ResourceTracker"/>) when it died.
/// </summary>
internal sealed unsafe class Segment : IDisposable
{
    private readonly Lock gate = new();
    private nint mapping;
    private int fd;
    private bool unlinked;
    private long id;

    private Segment(string name, string path, int fd, nint mapping, long mappedLength)
    {
        Name = name;
        Path = path;
        this.fd = fd;
        this.mapping = mapping;
        MappedLength = mappedLength;
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name { get; }

    /// <summary>The file under /dev/shm.</summary>
    public string Path { get; }

    /// <summary>Header plus payload, in bytes.</summary>
    public long MappedLength { get; }

    /// <summary>The header at the start of the mapping.</summary>
    public ref SegmentHeader Header => ref *(SegmentHeader*)Base;

    /// <summary>The payload, after the header.</summary>
    public byte* Data => (byte*)Base + SegmentHeader.Size;

    /// <summary>The payload's address for <paramref name="owner"/>, the object built on this segment: once the segment is closed it throws instead of handing out unmapped memory.</summary>
    /// <exception cref="ObjectDisposedException">The segment has been closed in this process.</exception>
    public nint DataFor(object owner)
    {
        nint m = Volatile.Read(ref mapping);
        ObjectDisposedException.ThrowIf(m == 0, owner);
        return m + SegmentHeader.Size;
    }

    /// <summary>Payload size in bytes.</summary>
    public long PayloadSize => Header.PayloadSize;

    /// <summary>True once closed in this process.</summary>
    public bool IsClosed => Volatile.Read(ref mapping) == 0;

    private nint Base
    {
        get
        {
            nint m = Volatile.Read(ref mapping);
            ObjectDisposedException.ThrowIf(m == 0, this);
            return m;
        }
    }

    /// <summary>Creates a segment with a payload of <paramref name="payloadSize"/> zeroed bytes.</summary>
    /// <exception cref="IOException">A segment of that name exists already, or the OS refused.</exception>
    public static Segment Create(string? name, long payloadSize, SegmentKind kind, long tag)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadSize);
        EnsureLinux();
        name ??= SegmentNames.NewName();
        string path = SegmentNames.PathOf(name);
        int fd = Libc.Open(path, Libc.O_CREAT | Libc.O_EXCL | Libc.O_RDWR | Libc.O_CLOEXEC, 0b110_000_000);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == Libc.EEXIST
                ? new IOException($"A shared memory segment named '{name}' already exists ({path}). Open it with Open, or choose another name.", errno)
                : Libc.Error($"creating shared memory '{name}' ({path})");
        }

        try
        {
            Libc.FlockRetry(fd, Libc.LOCK_SH);
            long length = SegmentHeader.Size + payloadSize;
            if (Libc.Ftruncate(fd, length) != 0)
            {
                throw Libc.Error($"sizing shared memory '{name}' to {length} bytes");
            }

            nint m = Map(fd, length, name, Populates(kind));
            var segment = new Segment(name, path, fd, m, length);
            ref SegmentHeader h = ref segment.Header;
            h.Kind = kind;
            h.Version = SegmentHeader.CurrentVersion;
            h.PayloadSize = payloadSize;
            h.Id = Random.Shared.NextInt64(1, long.MaxValue);
            h.Tag = tag;
            segment.id = h.Id;
            Volatile.Write(ref h.Magic, SegmentHeader.MagicValue);
            ResourceTracker.Watch(path);
            return segment;
        }
        catch
        {
            Libc.Unlink(path);
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>Opens an existing segment, checking that it holds a <paramref name="kind"/>.</summary>
    /// <exception cref="FileNotFoundException">No segment of that name exists (or it has been removed).</exception>
    /// <exception cref="InvalidDataException">The segment is not one of ours, or holds another kind of object.</exception>
    /// <exception cref="VersionMismatchException">The segment was made by an incompatible version of this library.</exception>
    public static Segment Open(string name, SegmentKind kind)
    {
        EnsureLinux();
        string path = SegmentNames.PathOf(name);
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == Libc.ENOENT
                ? new FileNotFoundException($"No shared memory segment named '{name}' exists ({path}): it was never created, or every process that had it open has closed it or exited, or it was unlinked.", path)
                : Libc.Error($"opening shared memory '{name}' ({path})");
        }

        Segment? segment = null;
        try
        {
            Libc.FlockRetry(fd, Libc.LOCK_SH);
            long length = Libc.FileSize(fd);
            if (length < SegmentHeader.Size)
            {
                throw new InvalidDataException($"'{path}' is not a Multiprocessing.NET segment, or it is still being created ({length} bytes).");
            }

            segment = new Segment(name, path, fd, Map(fd, length, name, Populates(kind)), length);
            segment.Check(kind, length);
            segment.id = segment.Header.Id;
            ResourceTracker.Watch(path);
            return segment;
        }
        catch
        {
            if (segment is null)
            {
                Libc.Close(fd);
            }
            else
            {
                segment.Dispose();
            }

            throw;
        }
    }

    /// <summary>Removes the name; processes that have the segment open keep using it.</summary>
    /// <returns>True if this call removed it; false if it was gone already (unlinked before, by this or another process, or removed with its last user).</returns>
    public bool Unlink()
    {
        lock (gate)
        {
            bool named = NamesThisSegment();
            if (mapping != 0 && named)
            {
                Volatile.Write(ref Header.Removed, 1);
            }

            if (unlinked)
            {
                return false;
            }

            unlinked = true;
            if (!named)
            {
                return false;
            }

            if (Libc.Unlink(Path) == 0)
            {
                return true;
            }

            if (Marshal.GetLastPInvokeError() == Libc.ENOENT)
            {
                return false;
            }

            throw Libc.Error($"unlinking shared memory '{Name}'");
        }
    }

    /// <summary>Reads the id in the header of the segment file behind <paramref name="fd"/>; 0 if it has none.</summary>
    public static long ReadId(int fd) => ReadHeader(fd)?.Id ?? 0;

    /// <summary>Reads the id of the segment file at <paramref name="path"/> now; 0 if there is none.</summary>
    public static long ReadIdAt(string path)
    {
        int current = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (current < 0)
        {
            return 0;
        }

        try
        {
            return ReadId(current);
        }
        finally
        {
            Libc.Close(current);
        }
    }

    /// <summary>True if <see cref="Path"/> still names this segment, not a newer one that took its name after an unlink.</summary>
    private bool NamesThisSegment() => id != 0 && ReadIdAt(Path) == id;

    /// <summary>Unmaps and closes; removes the segment if no other process has it open.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (mapping == 0)
            {
                return;
            }

            // Last holder? Then nobody can be using it: remove it now rather than leave it to the tracker.
            if (Libc.FlockRetry(fd, Libc.LOCK_EX | Libc.LOCK_NB))
            {
                Volatile.Write(ref Header.Removed, 1);
                if (!unlinked && NamesThisSegment())
                {
                    Libc.Unlink(Path);
                }

                RemoveCompanionFiles(Path, Header.Kind, id);
            }

            Libc.Munmap(mapping, (nuint)MappedLength);
            Volatile.Write(ref mapping, 0);
            Libc.Close(fd);
            fd = -1;
        }
    }

    /// <summary>Removes the files that live and die with a segment: a queue's overflow chain (unread messages, and orphans of producers that died while writing one).</summary>
    public static void RemoveCompanionFiles(string path, SegmentKind kind, long id)
    {
        if (kind == SegmentKind.Queue && id != 0)
        {
            Messaging.SpillFiles.RemoveAll(path, id);
        }
    }

    /// <summary>Reads the header of the segment file behind <paramref name="fd"/>; null if it has none (too short, or unreadable).</summary>
    public static SegmentHeader? ReadHeader(int fd)
    {
        Span<byte> header = stackalloc byte[SegmentHeader.Size];
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false);
        try
        {
            return RandomAccess.Read(handle, header, 0) == SegmentHeader.Size ? MemoryMarshal.Read<SegmentHeader>(header) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Rings (queues, pipes) are mapped with their pages in place: a ring is written through from end to end, and a
    /// page fault on each fresh page costs more than copying the page (about 10 µs on some VMs).
    /// </summary>
    private static bool Populates(SegmentKind kind) => kind is SegmentKind.Queue or SegmentKind.Pipe;

    /// <summary>Above this, a ring's pages are left to be faulted in as it fills: populating would commit all of its memory at once.</summary>
    private const long MaxPopulated = 64L << 20;

    private static nint Map(int fd, long length, string name, bool populate)
    {
        int flags = Libc.MAP_SHARED | (populate && length <= MaxPopulated ? Libc.MAP_POPULATE : 0);
        nint m = Libc.Mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, flags, fd, 0);
        return m == -1 ? throw Libc.Error($"mapping shared memory '{name}'") : m;
    }

    private static void EnsureLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Shared memory is implemented on Linux only for now (/dev/shm, futex). Windows and macOS are planned.");
        }
    }

    private void Check(SegmentKind kind, long length)
    {
        ref SegmentHeader h = ref Header;
        if (Volatile.Read(ref h.Magic) != SegmentHeader.MagicValue)
        {
            throw new InvalidDataException($"'{Path}' is not a Multiprocessing.NET shared memory segment (bad magic), or it is still being created.");
        }

        if (h.Version != SegmentHeader.CurrentVersion)
        {
            throw new VersionMismatchException($"Shared memory '{Name}' has layout version {h.Version}; this build of Multiprocessing reads version {SegmentHeader.CurrentVersion}.");
        }

        if (h.Kind != kind)
        {
            throw new InvalidDataException($"Shared memory '{Name}' holds a {h.Kind}, not a {kind}.");
        }

        if (Volatile.Read(ref h.Removed) != 0)
        {
            throw new FileNotFoundException($"Shared memory '{Name}' has been removed.", Path);
        }

        if (SegmentHeader.Size + h.PayloadSize > length)
        {
            throw new InvalidDataException($"Shared memory '{Name}' is shorter ({length} bytes) than its header says.");
        }
    }
}
