namespace Multiprocessing.Sharing;

/// <summary>
/// An operation in progress on a <see cref="Segment"/> (see <see cref="Segment.Enter"/>): the mapping stays while
/// it lasts. Dispose it exactly once, with <c>using</c>.
/// </summary>
internal readonly struct SegmentLease : IDisposable
{
    private readonly Segment segment;

    /// <summary>Wraps a reference <paramref name="segment"/> has counted.</summary>
    public SegmentLease(Segment segment) => this.segment = segment;

    /// <summary>Ends the operation (the last one after the segment was closed unmaps it).</summary>
    public void Dispose() => segment.Leave();
}
