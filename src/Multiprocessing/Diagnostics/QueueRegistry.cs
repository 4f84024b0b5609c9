namespace Multiprocessing.Diagnostics;

/// <summary>The shared queues open in this process, weakly (see <see cref="LiveObjects.Queues"/>); a queue adds itself when it is created or opened, and leaves on Dispose.</summary>
internal static class QueueRegistry
{
    public static WeakList<IQueueProbe> Queues { get; } = new();

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
