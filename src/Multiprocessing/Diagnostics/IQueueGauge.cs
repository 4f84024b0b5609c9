namespace Multiprocessing.Diagnostics;

/// <summary>A queue that <see cref="QueueMetrics"/> reports: its name, and what it holds now.</summary>
internal interface IQueueGauge
{
    /// <summary>The queue's name, the value of <c>multiprocessing.queue.name</c>.</summary>
    string Name { get; }

    /// <summary>Reads the items in the queue and the bytes of its overflow files; false if it is closed in this process.</summary>
    bool TryMeasure(out long items, out long overflowBytes);
}
