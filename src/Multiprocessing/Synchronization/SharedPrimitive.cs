using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>
/// A synchronization primitive whose state lives in a named shared-memory segment, mapped by every process that
/// creates or opens it: the base of <see cref="SharedLock"/>, <see cref="SharedEvent"/>, <see cref="SharedSemaphore"/>
/// and <see cref="SharedBarrier"/>.
/// </summary>
/// <remarks>
/// Pass one to a <see cref="ChildProcess"/> as an argument or a captured variable and the child opens the same
/// object; or open it by <see cref="Name"/> in any process. The segment is removed once no process has it open.
/// </remarks>
public abstract class SharedPrimitive : IDisposable
{
    private protected SharedPrimitive(Segment segment) => Segment = segment;

    /// <summary>The name other processes open it by.</summary>
    public string Name => Segment.Name;

    /// <summary>The segment that holds the shared state.</summary>
    private protected Segment Segment { get; }

    /// <summary>The shared state's address; throws once the object is closed, instead of touching unmapped memory.</summary>
    private protected nint State => Segment.DataFor(this);

    /// <summary>Closes it in this process; it is removed once no process has it open.</summary>
    /// <remarks>
    /// Every member but <see cref="Name"/> and <see cref="object.ToString"/> then throws <see cref="ObjectDisposedException"/>
    /// (releasing a handle of a lock or a semaphore too); waits in this process are woken and throw it (a barrier's
    /// waits break the barrier, as a cancelled wait does).
    /// </remarks>
    public void Dispose()
    {
        Segment.Dispose();
        GC.SuppressFinalize(this);
    }
}
