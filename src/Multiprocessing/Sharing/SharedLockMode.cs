namespace Multiprocessing;

/// <summary>Whether a <see cref="SharedValue{T}"/> or <see cref="SharedArray{T}"/> comes with a lock of its own (Python's <c>lock=True</c> / <c>lock=False</c>).</summary>
public enum SharedLockMode
{
    /// <summary>A recursive lock of its own, stored with it (Python's <c>lock=True</c>, the default): <c>GetLock()</c> returns it.</summary>
    Recursive,

    /// <summary>No lock (Python's <c>lock=False</c>, <c>RawValue</c> / <c>RawArray</c>): <c>GetLock()</c> and <c>Acquire()</c> throw an <see cref="InvalidOperationException"/>.</summary>
    None,
}
