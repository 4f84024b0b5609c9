namespace Multiprocessing.Diagnostics;

/// <summary>A shared queue as <see cref="QueueRegistry"/> sees it, whatever its item type.</summary>
internal interface IQueueProbe
{
    /// <summary>The queue's numbers now, or null once it is closed in this process.</summary>
    SharedQueueInfo? Probe();
}
