using System.Diagnostics.Metrics;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The queue instruments, in the shared meter (<see cref="Meters.Shared"/>): <c>multiprocessing.queue.item.count</c>
/// and <c>multiprocessing.queue.overflow.size</c>, observed for each queue open in this process (those of
/// <see cref="QueueRegistry"/>, which the dashboard reads too) when a listener collects; nothing is done per put or get.
/// </summary>
internal static class QueueMetrics
{
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

    /// <summary>Makes the instruments, if they are not yet (the static constructor does): called with the first queue of this process.</summary>
    public static void EnsureInstruments()
    {
    }

    private static List<Measurement<long>> Observe(bool overflow)
    {
        var measurements = new List<Measurement<long>>();
        var seen = new HashSet<string>(StringComparer.Ordinal); // One queue opened twice in this process is reported once.
        foreach (SharedQueueInfo queue in QueueRegistry.Snapshot())
        {
            if (seen.Add(queue.Name))
            {
                measurements.Add(new(overflow ? queue.OverflowBytes : queue.Count, new KeyValuePair<string, object?>(TelemetryAttributes.QueueName, queue.Name)));
            }
        }

        return measurements;
    }
}
