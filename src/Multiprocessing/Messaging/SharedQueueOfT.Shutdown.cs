using System.Runtime.CompilerServices;
using Multiprocessing.Messaging;
using Multiprocessing.Sharing;
using Multiprocessing.Synchronization;

namespace Multiprocessing;

/// <summary>Python 3.13's <c>Queue.shutdown</c>: the state lives in the queue's shared memory, so it holds in every process.</summary>
public sealed partial class SharedQueue<T>
{
    /// <summary>Whether the queue was shut down, by any process (Python's <c>is_shutdown</c>).</summary>
    public bool IsShutDown
    {
        get
        {
            using SegmentLease use = segment.Enter(this);
            return ring.Completion >= Ring.ShutDown;
        }
    }

    /// <summary>Consumers asleep waiting for an item, in every process: for tests that must know a get sleeps.</summary>
    internal unsafe int SleepingGetters => Volatile.Read(ref ring.Header->DataSleepers);

    /// <summary>Producers asleep waiting for room, in every process: for tests that must know a put sleeps.</summary>
    internal unsafe int SleepingPutters => Volatile.Read(ref ring.Header->SpaceSleepers);

    /// <summary>
    /// Shuts the queue down in every process (Python 3.13's <c>Queue.shutdown(immediate)</c>): puts then throw a
    /// <see cref="QueueShutDownException"/>, and so do the puts waiting for room now, in every process. Gets take
    /// the items already in the queue and throw it once it is empty (gets waiting now, on an empty queue, throw at
    /// once); with <paramref name="immediate"/>, the items in the queue are dropped and gets throw at once.
    /// </summary>
    /// <param name="immediate">False (the default): the queue can be emptied as usual. True: its items are dropped
    /// now and, for a joinable queue, counted done (a <see cref="Join"/> then ends once the items taken before are
    /// done, as Python's).</param>
    /// <remarks>
    /// Consumers' enumerations (<see cref="GetConsumingEnumerable"/>, <see cref="ReadAllAsync"/>) end without an
    /// exception, as after <see cref="CompleteAdding"/>; <see cref="TryGet"/> returns false. It cannot be undone.
    /// An item whose put had begun before the shutdown and ends after it is delivered, or, after an immediate
    /// shutdown, dropped with the rest.
    /// </remarks>
    public void Shutdown(bool immediate = false)
    {
        using SegmentLease use = segment.Enter(this);
        ring.CompleteAs(immediate ? Ring.ShutDownImmediately : Ring.ShutDown);
        if (immediate)
        {
            Drop();
        }
    }

    /// <summary>Takes and drops the items left after an immediate shutdown, each counted done in a joinable queue; stops, rather than wait, when a consumer holds the queue (the next get drops the items left).</summary>
    private void Drop()
    {
        while (ring.BeginRead(Deadline.After(TimeSpan.Zero), CancellationToken.None, out RingMessage message) == RingStatus.Ok)
        {
            ring.EndRead(message);
            if (joinable)
            {
                TaskDoneQuietly();
            }
        }
    }

    /// <summary>Waits for the next item, unless the queue was shut down immediately (its items are dropped then: <see cref="RingStatus.Completed"/>).</summary>
    /// <exception cref="OperationCanceledException">The token fired; nothing was consumed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RingStatus BeginRead(Deadline deadline, CancellationToken cancellationToken, out RingMessage message)
    {
        message = default;
        return DroppedAll() ? RingStatus.Completed : ring.BeginRead(deadline, cancellationToken, out message);
    }

    /// <summary>The asynchronous form of <see cref="BeginRead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask<(RingStatus Status, RingMessage Message)> BeginReadAsync(Deadline deadline, CancellationToken cancellationToken) =>
        DroppedAll() ? new((RingStatus.Completed, default)) : ring.BeginReadAsync(deadline, cancellationToken);

    /// <summary>If the queue was shut down immediately, drops what is left in it (what the shutdown could not take) and says so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool DroppedAll()
    {
        if (ring.Completion != Ring.ShutDownImmediately)
        {
            return false;
        }

        Drop();
        return true;
    }
}
