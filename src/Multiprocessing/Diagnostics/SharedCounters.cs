using Multiprocessing.Sharing;

namespace Multiprocessing.Diagnostics;

/// <summary>Process-wide counters of shared objects (see <see cref="LiveObjects"/>).</summary>
internal static class SharedCounters
{
    private static long locksTakenOver;

    /// <summary>Segments mapped in this process now.</summary>
    public static long SegmentsOpen => Segment.MappedCount;

    /// <summary>Locks taken over from a dead holder since this process started.</summary>
    public static long LocksTakenOver => Volatile.Read(ref locksTakenOver);

    /// <summary>A lock was taken over from a dead holder.</summary>
    public static void LockTakenOver() => Interlocked.Increment(ref locksTakenOver);
}
