using System.Diagnostics;

namespace Multiprocessing.Clustering;

/// <summary>
/// What a <see cref="ClusterPool"/> last heard of each lane's call: the silos' keep-alives
/// (<see cref="IPoolLaneObserver.Alive"/>) land here, and a lane whose call has been quiet for the response timeout
/// takes it for lost. A call's id names its lane (id modulo the lanes), so a late keep-alive of a call the lane gave
/// up on is told so (and the silo stops it if it can).
/// </summary>
internal sealed class LaneKeepAlive(int lanes) : IPoolLaneObserver
{
    private readonly long[] calls = new long[lanes];
    private readonly long[] heard = new long[lanes];
    private long nextCall;

    /// <summary>A new call of lane <paramref name="lane"/>: its id, heard of now.</summary>
    public long Begin(int lane)
    {
        long id = (Interlocked.Increment(ref nextCall) * lanes) + lane;
        Volatile.Write(ref heard[lane], Stopwatch.GetTimestamp());
        Volatile.Write(ref calls[lane], id);
        return id;
    }

    /// <summary>How long since the lane's current call was sent or last kept alive.</summary>
    public TimeSpan Quiet(int lane) => Stopwatch.GetElapsedTime(Volatile.Read(ref heard[lane]));

    /// <summary>Lane <paramref name="lane"/> no longer waits for its call (answered, cancelled, timed out or taken for lost).</summary>
    public void End(int lane) => Volatile.Write(ref calls[lane], 0);

    /// <inheritdoc/>
    public Task<long[]> Alive(long[] callIds)
    {
        long now = Stopwatch.GetTimestamp();
        List<long>? abandoned = null;
        foreach (long id in callIds)
        {
            int lane = (int)(id % lanes);
            if (lane >= 0 && Volatile.Read(ref calls[lane]) == id)
            {
                Volatile.Write(ref heard[lane], now);
            }
            else
            {
                (abandoned ??= []).Add(id);
            }
        }

        return Task.FromResult(abandoned is null ? [] : abandoned.ToArray());
    }
}
