using System.Runtime.InteropServices;

namespace Multiprocessing.Pools;

/// <summary>A counter alone on its cache line, so that threads writing it do not slow readers of the fields around it.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    /// <summary>The counter.</summary>
    [FieldOffset(64)]
    public long Value;
}
