namespace Multiprocessing.Clustering;

/// <summary>
/// A <see cref="ClusterPool"/>'s ear on the silos: a silo tells it, about every third of the pool's response
/// timeout, which of its calls it still holds (queued or running), so that a long task is not taken for lost; the
/// pool answers with those it no longer waits for (cancelled, timed out, given up), which the silo then drops if
/// still queued, or whose token it cancels if running.
/// </summary>
internal interface IPoolLaneObserver : IGrainObserver
{
    /// <summary>The silo still holds these calls.</summary>
    /// <param name="callIds">The ids the pool gave the calls.</param>
    /// <returns>The ids among them the pool no longer waits for.</returns>
    Task<long[]> Alive(long[] callIds);
}
