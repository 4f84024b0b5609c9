using System.Runtime.InteropServices;

namespace Multiprocessing.Sharing;

/// <summary>
/// The first 64 bytes of every segment: magic, kind, layout version, payload size, a random id (so that the
/// tracker never unlinks a newer segment that reused a name), a tag whose meaning depends on the kind, and a
/// flag set by the process that removes the segment.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal struct SegmentHeader
{
    public const int Size = 64;
    public const uint MagicValue = 0x4E50_4D53; // "SMPN" little-endian: Shared memory, Multiprocessing.NET
    public const ushort CurrentVersion = 1;

    public uint Magic;
    public SegmentKind Kind;
    public ushort Version;
    public long PayloadSize;
    public long Id;
    public long Tag;
    public int Removed;
}
