using Multiprocessing.Connections;

namespace Multiprocessing;

/// <summary>
/// Python's <c>multiprocessing.Pipe()</c>: a pair of connected <see cref="Connection"/> ends in shared memory.
/// Pass an end to a child process as an argument; the child then uses the same pipe.
/// </summary>
/// <remarks>
/// Each direction is a ring in a shared-memory segment: sending copies the message into it and wakes the
/// receiver only if it sleeps, so a round trip between two processes takes microseconds, not a system call per
/// message. Messages larger than the ring stream through it and arrive whole. When every process holding one end
/// has closed it or died, the other end sees the end of the stream (<see cref="EndOfStreamException"/>) after
/// what was already sent, and sending to it fails with an <see cref="IOException"/>. An end passed to a child process
/// counts as held until the child takes it, as long as the child lives (and not at all if the child could not be
/// started); one sent through a queue or another pipe, until it arrives, as long as the sender lives.
/// </remarks>
public static class Pipe
{
    /// <summary>The default bytes of buffer in each direction.</summary>
    public const int DefaultCapacity = 256 * 1024;

    /// <summary>Creates a pipe (Python's <c>Pipe(duplex)</c>).</summary>
    /// <param name="duplex">True (the default): both ends send and receive. False: the first end only receives, the second only sends.</param>
    /// <param name="capacity">Bytes of buffer in each direction (rounded up to a power of two, at least 4096); larger messages still pass, in parts.</param>
    /// <returns>The two ends.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive or above 1 GiB.</exception>
    public static (Connection First, Connection Second) Create(bool duplex = true, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 30);
        return PipeConnection.Create(duplex, capacity);
    }
}
