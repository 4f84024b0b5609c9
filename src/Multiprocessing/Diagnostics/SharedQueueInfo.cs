namespace Multiprocessing;

/// <summary>A snapshot of one shared queue open in this process (see <see cref="LiveObjects.Queues"/>).</summary>
/// <param name="Name">The queue's name (<see cref="SharedQueue{T}.Name"/>).</param>
/// <param name="ItemType">The name of the queue's item type.</param>
/// <param name="Count">Items in the queue (in its ring and in overflow files).</param>
/// <param name="Bytes">Bytes in its shared ring now.</param>
/// <param name="Capacity">Bytes of its shared ring.</param>
/// <param name="OverflowItems">Items that did not fit in the ring and wait in overflow files.</param>
/// <param name="OverflowBytes">Bytes of those files.</param>
public sealed record SharedQueueInfo(string Name, string ItemType, long Count, long Bytes, long Capacity, long OverflowItems, long OverflowBytes);
