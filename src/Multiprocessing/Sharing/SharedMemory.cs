using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>
/// A block of memory shared between processes (Python's <c>multiprocessing.shared_memory.SharedMemory</c>):
/// create it with a size, open it by name in another process (or pass it to a <see cref="ChildProcess"/>), and
/// read and write it as a <see cref="Span{T}"/>.
/// </summary>
/// <remarks>
/// <para>
/// Lifetime, as on Windows: a segment exists while at least one process has it open. <see cref="Dispose"/>
/// (Python's <c>close()</c>) closes it in this process and removes it if no other process has it open;
/// <see cref="Unlink"/> removes the name at once, and processes that have it open keep using it. When the last
/// user exits without closing it — even killed with SIGKILL — a small tracker process removes it, so nothing is
/// left in <c>/dev/shm</c>. To hand a segment to another process, keep it open until that process has opened
/// it: passing it as an argument to <see cref="ChildProcess.Start{T1}(Action{T1}, T1, ChildProcessOptions?)"/>
/// does that for you.
/// </para>
/// <para>
/// The file is <c>/dev/shm/mpnet-&lt;name&gt;</c> with permissions 0600 (only this user); it starts with a
/// 64-byte header (magic, kind, layout version), so opening something else fails clearly.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var shm = SharedMemory.Create(1024);
/// shm.Span[0] = 42;
/// using var child = ChildProcess.Start((SharedMemory m) => m.Span[0]++, shm);
/// child.Join();
/// Console.WriteLine(shm.Span[0]); // 43
/// </code>
/// </example>
public sealed unsafe class SharedMemory : IDisposable, INamedObject<SharedMemory>
{
    private readonly Segment segment;

    private readonly long size;

    private SharedMemory(Segment segment)
    {
        this.segment = segment;
        size = segment.PayloadSize;
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => segment.Name;

    /// <summary>Size in bytes, as given at creation.</summary>
    public long Size
    {
        get
        {
            ObjectDisposedException.ThrowIf(segment.IsClosed, this);
            return size;
        }
    }

    /// <summary>The whole block as a span: valid until the block is disposed (used after that, it reads and writes memory of no one, never the block's).</summary>
    /// <exception cref="ObjectDisposedException">The segment has been closed in this process.</exception>
    /// <exception cref="InvalidOperationException">The block is larger than a span can address (2 GiB); use <see cref="GetSpan"/>.</exception>
    public Span<byte> Span => Size <= int.MaxValue
        ? new Span<byte>(segment.Data, (int)size)
        : throw new InvalidOperationException($"The segment is {Size} bytes, too large for one span; use GetSpan(offset, length).");

    /// <summary>Creates a segment of <paramref name="size"/> zeroed bytes.</summary>
    /// <param name="size">Size in bytes (1 or more; Python refuses 0 too).</param>
    /// <param name="name">Its name, or null for a fresh unique one. Letters, digits, '.', '_' and '-' are used as they are; other names are hashed.</param>
    /// <returns>The open segment.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative (Python's <c>ValueError</c>).</exception>
    /// <exception cref="IOException">A segment of that name exists already, or the system refused.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static SharedMemory Create(long size, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new(Segment.Create(name, size, SegmentKind.Raw, 0));
    }

    /// <summary>Opens the segment called <paramref name="name"/>, created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The open segment.</returns>
    /// <exception cref="FileNotFoundException">No such segment (never created, or removed).</exception>
    /// <exception cref="InvalidDataException">It is not a segment made by <see cref="Create"/> (another shared object, or not ours).</exception>
    /// <exception cref="VersionMismatchException">It was made by an incompatible version of this library.</exception>
    public static SharedMemory Open(string name) => new(Segment.Open(name, SegmentKind.Raw));

    /// <summary>A part of the block as a span.</summary>
    /// <param name="offset">Where the part starts.</param>
    /// <param name="length">Its length.</param>
    /// <returns>The span.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The part is not inside the block.</exception>
    public Span<byte> GetSpan(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Size, nameof(length));
        return new Span<byte>(segment.Data + offset, length);
    }

    /// <summary>Removes the segment's name now (Python's <c>unlink()</c>); this and other processes that have it open keep using it.</summary>
    /// <exception cref="FileNotFoundException">
    /// The name is gone already: unlinked before (by this or another process), or removed with the segment's last
    /// user (Python's <c>FileNotFoundError</c>). A new segment that took the name since is left alone.
    /// </exception>
    public void Unlink()
    {
        if (!segment.Unlink())
        {
            throw new FileNotFoundException($"The shared memory '{Name}' has no name left to remove: it was unlinked already, or removed with its last user.", SegmentNames.PathOf(Name));
        }
    }

    /// <summary>Closes the segment in this process (Python's <c>close()</c>), and removes it if no other process has it open.</summary>
    /// <remarks>Every member but <see cref="Name"/>, <see cref="Unlink"/> (Python's <c>close()</c> then <c>unlink()</c>) and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>. A span taken before must not be used after: it then reads and writes private zero pages, no longer the segment (see the remarks of the type).</remarks>
    public void Dispose() => segment.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"SharedMemory(name='{Name}', size={size}{(segment.IsClosed ? ", closed" : string.Empty)})";
}
