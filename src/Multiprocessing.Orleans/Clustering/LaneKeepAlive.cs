using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Clustering;

/// <summary>
/// What a <see cref="ClusterPool"/> last heard of each of its calls in flight (a lane keeps several): the silos'
/// keep-alives (<see cref="IPoolLaneObserver.Alive"/>) land here, and a call quiet for the response timeout is taken
/// for lost. A late keep-alive of a call the pool no longer waits for is answered so (and the silo stops it if it can).
/// </summary>
internal sealed class LaneKeepAlive : IPoolLaneObserver
{
    /// <summary>Each call in flight, by id: when it was sent or last kept alive (a stopwatch timestamp, in a box the keep-alives overwrite).</summary>
    private readonly ConcurrentDictionary<long, StrongBox<long>> calls = new();
    private long nextCall;

    /// <summary>A new call: its id, heard of now.</summary>
    public long Begin()
    {
        long id = Interlocked.Increment(ref nextCall);
        calls[id] = new StrongBox<long>(Stopwatch.GetTimestamp());
        return id;
    }

    /// <summary>How long since call <paramref name="id"/> was sent or last kept alive.</summary>
    public TimeSpan Quiet(long id) => calls.TryGetValue(id, out StrongBox<long>? heard)
        ? Stopwatch.GetElapsedTime(Volatile.Read(ref heard.Value))
        : TimeSpan.MaxValue;

    /// <summary>The pool no longer waits for call <paramref name="id"/> (answered, cancelled, timed out or taken for lost).</summary>
    public void End(long id) => calls.TryRemove(id, out _);

    /// <inheritdoc/>
    public Task<long[]> Alive(long[] callIds)
    {
        long now = Stopwatch.GetTimestamp();
        List<long>? abandoned = null;
        foreach (long id in callIds)
        {
            if (calls.TryGetValue(id, out StrongBox<long>? heard))
            {
                Volatile.Write(ref heard.Value, now);
            }
            else
            {
                (abandoned ??= []).Add(id);
            }
        }

        return Task.FromResult(abandoned is null ? [] : abandoned.ToArray());
    }
}
