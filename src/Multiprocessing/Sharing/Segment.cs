using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Multiprocessing.Interop;
using Multiprocessing.Synchronization;

namespace Multiprocessing.Sharing;

/// <summary>
/// A mapped shared-memory file under /dev/shm, the storage of every shared object. Permissions 0600. While a
/// process has the segment open it holds a shared <c>flock</c> on it, which the kernel drops when the process
/// exits however it ends; a segment whose last holder is gone is removed, by that holder when it closes it, or
/// by the resource tracker (<see cref="ResourceTracker"/>) when it died.
/// </summary>
/// <remarks>
/// <para>Lifetime in this process, as <see cref="System.Runtime.InteropServices.SafeHandle"/>'s
/// <c>DangerousAddRef</c>/<c>DangerousRelease</c>: every operation of the object built on the segment holds a
/// reference (<see cref="Enter"/>, one interlocked add and one interlocked subtract) while it touches the
/// mapping, and <see cref="Dispose"/> only marks the segment closed; the last reference to leave unmaps it. So a
/// call that races <c>Dispose</c> on another thread either completes on mapped memory or throws
/// <see cref="ObjectDisposedException"/>, never touches unmapped memory.</para>
/// <para>A call asleep on a futex in the mapping (a get waiting for an item, an acquire waiting for a lock) holds
/// its reference while it sleeps: <see cref="Dispose"/> wakes it (<see cref="FutexSleep"/> sleeps on the
/// segment's <see cref="ClosingWord"/> too), and it throws <see cref="ObjectDisposedException"/>, releasing the
/// reference; the mapping goes with the last one.</para>
/// <para>Segments whose memory is handed out as spans or references (<see cref="SegmentKind.Raw"/> and
/// <see cref="SegmentKind.Array"/>: <c>SharedMemory.Span</c>, <c>SharedArray</c>'s indexer) cannot count the
/// users of those: such a span used after <c>Dispose</c> returned is a bug of the caller, but must not crash the
/// process, so their address range is not unmapped but replaced by private zero pages (no memory is committed
/// until written; the range stays reserved for the life of the process).</para>
/// </remarks>
internal sealed unsafe class Segment : IDisposable
{
    // The lifetime word: Closed and Freed bits, and the count of operations in progress in units of OneUser.
    private const long Closed = 1;
    private const long Freed = 2;
    private const long OneUser = 4;

    private static readonly Lock RegistryGate = new();

    /// <summary>The segments open in this process, by mapping address; replaced whole under <see cref="RegistryGate"/>, read without it (every futex sleep looks it up).</summary>
    private static Segment[] registry = [];

    /// <summary>Segments mapped in this process now (see <see cref="LiveObjects.SegmentsOpen"/>).</summary>
    public static int MappedCount => Volatile.Read(ref registry).Length;

    private readonly Lock gate = new();
    private readonly int[] closingWord = GC.AllocateArray<int>(1, pinned: true);
    private nint mapping;
    private int fd;
    private bool unlinked;
    private long id;
    private long lifetime;

    private Segment(string name, string path, int fd, nint mapping, long mappedLength)
    {
        Name = name;
        Path = path;
        this.fd = fd;
        this.mapping = mapping;
        MappedLength = mappedLength;
        Register(this);
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

    /// <summary>True once closed in this process (<see cref="Dispose"/> was called; the mapping may still be in use by calls in progress).</summary>
    public bool IsClosed => (Volatile.Read(ref lifetime) & Closed) != 0;

    /// <summary>
    /// A process-local word, 0 while the segment is open, set to 1 and woken by <see cref="Dispose"/>: a sleep on a
    /// futex in the mapping also sleeps on this word, so that closing wakes it (see <see cref="FutexSleep"/>).
    /// </summary>
    public int* ClosingWord => (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(closingWord));

    /// <summary>
    /// Counts an operation in progress on <paramref name="owner"/>, the object built on this segment, until the
    /// returned lease is disposed: the mapping stays until then, even if <see cref="Dispose"/> is called meanwhile.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The segment has been closed in this process.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SegmentLease Enter(object owner)
    {
        if ((Interlocked.Add(ref lifetime, OneUser) & Closed) != 0)
        {
            Leave();
            ThrowClosed(owner);
        }

        return new SegmentLease(this);
    }

    /// <summary>Counts an operation in progress, as <see cref="Enter"/> does; false (and nothing counted) if the segment is closed.</summary>
    public bool TryEnter()
    {
        if ((Interlocked.Add(ref lifetime, OneUser) & Closed) != 0)
        {
            Leave();
            return false;
        }

        return true;
    }

    /// <summary>Ends an operation counted by <see cref="Enter"/> or <see cref="TryEnter"/>; the last one after <see cref="Dispose"/> unmaps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Leave()
    {
        if (Interlocked.Add(ref lifetime, -OneUser) == Closed)
        {
            Free();
        }
    }

    /// <summary>The segment open in this process whose mapping holds <paramref name="address"/>, if any (for the futex sleeps).</summary>
    public static Segment? Containing(nint address)
    {
        Segment[] segments = Volatile.Read(ref registry);
        int lo = 0, hi = segments.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            Segment s = segments[mid];
            if (address < s.mapping)
            {
                hi = mid - 1;
            }
            else if (address >= s.mapping + (nint)s.MappedLength)
            {
                lo = mid + 1;
            }
            else
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>The exception of a call that found the segment closed, or was woken by its closing.</summary>
    public ObjectDisposedException ClosedException() =>
        new(Name, $"The shared object '{Name}' has been closed (disposed) in this process.");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowClosed(object owner) => throw new ObjectDisposedException(owner.GetType().FullName);

    private static void Register(Segment segment)
    {
        lock (RegistryGate)
        {
            Segment[] old = registry;
            int i = 0;
            while (i < old.Length && old[i].mapping < segment.mapping)
            {
                i++;
            }

            Volatile.Write(ref registry, [.. old.AsSpan(0, i), segment, .. old.AsSpan(i)]);
        }
    }

    private static void Unregister(Segment segment)
    {
        lock (RegistryGate)
        {
            Volatile.Write(ref registry, [.. registry.Where(s => s != segment)]);
        }
    }

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

    /// <summary>
    /// Closes the segment in this process: operations begun from now on throw <see cref="ObjectDisposedException"/>,
    /// those asleep on it are woken to throw it, and the last one to leave (or this call, if none is in progress)
    /// unmaps it and removes it if no other process has it open.
    /// </summary>
    public void Dispose()
    {
        long before = Interlocked.Or(ref lifetime, Closed);
        if ((before & Closed) != 0)
        {
            return;
        }

        // Wake this process's sleepers on the mapping: their sleeps watch this word too, and they then throw.
        Volatile.Write(ref closingWord[0], 1);
        Libc.FutexWake(ClosingWord, int.MaxValue);
        AsyncFutex.WakeRange(Volatile.Read(ref mapping), MappedLength);
        if (before == 0)
        {
            Free();
        }
    }

    /// <summary>Unmaps and closes, once closed and no operation is in progress; removes the segment if no other process has it open.</summary>
    private void Free()
    {
        if (Interlocked.CompareExchange(ref lifetime, Closed | Freed, Closed) != Closed)
        {
            return; // Freed already, or an operation came in meanwhile (it will fail and leave, and free then).
        }

        Unregister(this);
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

            Unmap(mapping, MappedLength, ExportsMemory(Header.Kind));
            Volatile.Write(ref mapping, 0);
            Libc.Close(fd);
            fd = -1;
        }
    }

    /// <summary>Removes the files that live and die with a segment: a queue's overflow files (unread messages, and orphans of producers that died while writing one).</summary>
    public static void RemoveCompanionFiles(string path, SegmentKind kind, long id)
    {
        if (kind == SegmentKind.Queue && id != 0)
        {
            Messaging.OverflowFiles.RemoveAll(path, id);
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

    /// <summary>Whether the object built on a segment of <paramref name="kind"/> hands out spans or references into it, which outlive any count.</summary>
    private static bool ExportsMemory(SegmentKind kind) => kind is SegmentKind.Raw or SegmentKind.Array;

    /// <summary>Unmaps <paramref name="length"/> bytes at <paramref name="at"/>; for memory handed out as spans, replaces them by private zero pages instead (see the remarks).</summary>
    private static void Unmap(nint at, long length, bool exported)
    {
        if (exported && Libc.Mmap(at, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED | Libc.MAP_NORESERVE, -1, 0) == at)
        {
            return;
        }

        Libc.Munmap(at, (nuint)length);
    }

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
