using System.Diagnostics;
using Multiprocessing.Pools;

namespace Multiprocessing.Clustering;

/// <summary>
/// One lane of a <see cref="ClusterPool"/>: a loop that takes queued tasks and keeps up to a depth of grain calls in
/// flight for them, counted as one worker. Its loop starts the tasks one by one; their calls end on any thread, so
/// what they write to the lane's tally (a single writer's) is written under <see cref="Gate"/>.
/// </summary>
internal sealed class ClusterLane : IDisposable
{
    private readonly SemaphoreSlim slots;
    private readonly int depth;
    private int inFlight;
    private bool ended;

    public ClusterLane(int index, WorkerTally tally, int depth)
    {
        Index = index;
        Tally = tally;
        this.depth = depth;
        slots = new SemaphoreSlim(depth, depth);
        tally.IsIdle = true;
    }

    /// <summary>The lane's number, also the base of the grain keys it calls.</summary>
    public int Index { get; }

    /// <summary>The lane's tally, from <see cref="WorkerPool.AddWorker"/>.</summary>
    public WorkerTally Tally { get; }

    /// <summary>What a call's end holds while it writes to <see cref="Tally"/>.</summary>
    public object Gate => slots;

    /// <summary>Whether the lane's loop has ended (for <see cref="ClusterPool.GetWorkers"/>).</summary>
    public bool Ended
    {
        get => Volatile.Read(ref ended);
        set => Volatile.Write(ref ended, value);
    }

    /// <summary>Waits until the lane may send one more call.</summary>
    public Task WaitForRoomAsync() => slots.WaitAsync();

    /// <summary>Gives back the room taken by <see cref="WaitForRoomAsync"/> without sending a call.</summary>
    public void GiveBackRoom() => slots.Release();

    /// <summary>A task the lane's loop took (in the room it waited for) starts: counted started, the lane busy.</summary>
    public void Start(ProcessTask task)
    {
        lock (Gate)
        {
            inFlight++;
            Tally.IsIdle = false;
        }

        task.StartedAt = Stopwatch.GetTimestamp();
        Tally.Started();
    }

    /// <summary>A task's call has ended (its task completed): its room is free again.</summary>
    public void Finish()
    {
        lock (Gate)
        {
            if (--inFlight == 0)
            {
                Tally.IsIdle = true;
            }
        }

        slots.Release();
    }

    /// <inheritdoc/>
    /// <remarks>Once <see cref="DrainAsync"/> has returned: no call is left to free its room.</remarks>
    public void Dispose() => slots.Dispose();

    /// <summary>Waits until every call the lane sent has ended.</summary>
    public async Task DrainAsync()
    {
        for (int i = 0; i < depth; i++)
        {
            await slots.WaitAsync().ConfigureAwait(false);
        }
    }
}
