namespace Multiprocessing.Sharing;

/// <summary>What guards a shared array or value, stored in its lock area so that every process that opens it knows (0, the zeroed default, is its own lock).</summary>
internal enum SharedArrayGuard
{
    /// <summary>Its own recursive lock, in its lock area (Python's <c>lock=True</c>).</summary>
    Own = 0,

    /// <summary>No lock (Python's <c>lock=False</c>).</summary>
    None = 1,

    /// <summary>A <see cref="SharedLock"/> given at creation, opened by the name stored after the elements.</summary>
    Lock = 2,

    /// <summary>A <see cref="SharedRLock"/> given at creation, opened by the name stored after the elements.</summary>
    RLock = 3,
}
