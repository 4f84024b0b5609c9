namespace Multiprocessing;

/// <summary>
/// How <see cref="SharedQueue.Create{T}(SharedQueueOptions)"/> makes a queue (as <c>BoundedChannelOptions</c> does
/// for a channel): each property as the parameter of the same name of <see cref="SharedQueue.Create{T}(int, long, bool, string?, bool)"/>.
/// </summary>
public sealed class SharedQueueOptions
{
    /// <summary>The largest capacity: 16 GiB.</summary>
    internal const long MaxCapacity = 1L << 34;

    private int maxSize;
    private long capacity = SharedQueue.DefaultCapacity;

    /// <summary>The most items the queue holds (Python's <c>maxsize</c>), a hard bound: puts wait for an item to be taken; 0 (the default) for none.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxSize
    {
        get => maxSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxSize));
            maxSize = value;
        }
    }

    /// <summary>Bytes of the shared ring (rounded up to a power of two), the fast path of items; <see cref="SharedQueue.DefaultCapacity"/> by default. A bound only without <see cref="Overflow"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative or above 16 GiB.</exception>
    public long Capacity
    {
        get => capacity;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, nameof(Capacity));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxCapacity, nameof(Capacity));
            capacity = value;
        }
    }

    /// <summary>True for Python's <c>JoinableQueue</c>: <see cref="SharedQueue{T}.TaskDone"/> and <see cref="SharedQueue{T}.Join"/>. False by default.</summary>
    public bool Joinable { get; set; }

    /// <summary>Its name, or null (the default) for a fresh unique one.</summary>
    public string? Name { get; set; }

    /// <summary>True (the default, as Python's <c>Queue()</c> is unbounded): a put that finds the ring full while no consumer is taking items writes the item to an overflow file instead of waiting. False: <see cref="Capacity"/> is a hard bound.</summary>
    public bool Overflow { get; set; } = true;
}
