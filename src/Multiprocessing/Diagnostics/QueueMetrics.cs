using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The queue instruments, in the shared meter (<see cref="Meters.Shared"/>): <c>multiprocessing.queue.item.count</c>
/// and <c>multiprocessing.queue.overflow.size</c>, observed for each queue open in this process when a listener
/// collects; nothing is done per put or get.
/// </summary>
internal static class QueueMetrics
{
    /// <summary>Attribute: the queue's name.</summary>
    public const string QueueNameTag = "multiprocessing.queue.name";

    /// <summary>The queues open in this process, weakly: a queue dropped without being closed is not kept alive here.</summary>
    private static readonly ConditionalWeakTable<IQueueGauge, object?> Queues = [];

    static QueueMetrics()
    {
        Meters.Shared.CreateObservableUpDownCounter(
            "multiprocessing.queue.item.count",
            () => Observe(overflow: false),
            unit: "{item}",
            description: "Items in a shared queue (ring and overflow files), as seen from this process.");
        Meters.Shared.CreateObservableUpDownCounter(
            "multiprocessing.queue.overflow.size",
            () => Observe(overflow: true),
            unit: "By",
            description: "Bytes of a shared queue's items that wait in overflow files.");
    }

    /// <summary>Reports <paramref name="queue"/> from now on (until it is closed or collected).</summary>
    public static void Track(IQueueGauge queue) => Queues.AddOrUpdate(queue, null);

    private static List<Measurement<long>> Observe(bool overflow)
    {
        var measurements = new List<Measurement<long>>();
        var seen = new HashSet<string>(StringComparer.Ordinal); // One queue opened twice in this process is reported once.
        foreach (KeyValuePair<IQueueGauge, object?> entry in Queues)
        {
            IQueueGauge queue = entry.Key;
            if (queue.TryMeasure(out long items, out long bytes) && seen.Add(queue.Name))
            {
                measurements.Add(new(overflow ? bytes : items, new KeyValuePair<string, object?>(QueueNameTag, queue.Name)));
            }
        }

        return measurements;
    }
}
