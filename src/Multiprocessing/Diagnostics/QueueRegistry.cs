namespace Multiprocessing.Diagnostics;

/// <summary>
/// The shared queues open in this process, weakly: a queue adds itself when it is created or opened, and leaves on
/// Dispose. What <see cref="LiveObjects.Queues"/> (the dashboard) and the queue instruments (<see cref="QueueMetrics"/>) read.
/// </summary>
internal static class QueueRegistry
{
    private static readonly WeakList<IQueueProbe> Queues = new();

    /// <summary>Lists <paramref name="queue"/> from now on (until <see cref="Remove"/>, or until it is collected).</summary>
    public static void Add(IQueueProbe queue)
    {
        Queues.Add(queue);
        QueueMetrics.EnsureInstruments();
    }

    /// <summary>The queue is closed in this process.</summary>
    public static void Remove(IQueueProbe queue) => Queues.Remove(queue);

    public static List<SharedQueueInfo> Snapshot()
    {
        var infos = new List<SharedQueueInfo>();
        foreach (IQueueProbe q in Queues.Alive())
        {
            if (q.Probe() is { } info)
            {
                infos.Add(info);
            }
        }

        return infos;
    }
}
