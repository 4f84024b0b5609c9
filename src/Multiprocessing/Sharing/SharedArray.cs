using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>Creates and opens <see cref="SharedArray{T}"/>s (Python's <c>multiprocessing.Array</c>).</summary>
public static class SharedArray
{
    /// <summary>Creates an array of <paramref name="length"/> zeroed elements (Python's <c>Array('i', 5)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">Number of elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public static SharedArray<T> Create<T>(int length, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(length, name);

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements with a lock of its own or none (Python's <c>Array('i', 5, lock=False)</c>, <c>RawArray('i', 5)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">Number of elements.</param>
    /// <param name="lockMode"><see cref="SharedLockMode.Recursive"/> for a recursive lock of its own (Python's <c>lock=True</c>), <see cref="SharedLockMode.None"/> for none (<c>lock=False</c>).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative, or <paramref name="lockMode"/> is not a defined value.</exception>
    public static SharedArray<T> Create<T>(int length, SharedLockMode lockMode, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(length, name, SharedArrayLocking.Of(lockMode));

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements guarded by <paramref name="lockObject"/> (Python's <c>Array('i', 5, lock=Lock())</c>): passed to a child, the array brings the lock along.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">Number of elements.</param>
    /// <param name="lockObject">The lock; the array keeps it open as long as it lives. <see cref="SharedArray{T}.Acquire"/> takes it.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The lock is gone (closed in every process).</exception>
    public static SharedArray<T> Create<T>(int length, SharedLock lockObject, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(length, name, SharedArrayLocking.Of(lockObject));

    /// <summary>Creates an array of <paramref name="length"/> zeroed elements guarded by <paramref name="lockObject"/> (Python's <c>Array('i', 5, lock=RLock())</c>): passed to a child, the array brings the lock along.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">Number of elements.</param>
    /// <param name="lockObject">The recursive lock; the array keeps it open as long as it lives. <see cref="SharedArray{T}.GetLock"/> returns it (another object for the same lock).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The lock is gone (closed in every process).</exception>
    public static SharedArray<T> Create<T>(int length, SharedRLock lockObject, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(length, name, SharedArrayLocking.Of(lockObject));

    /// <summary>Creates an array holding a copy of <paramref name="values"/> (Python's <c>Array('i', [1, 2, 3, 4])</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The initial elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    public static SharedArray<T> Create<T>(ReadOnlySpan<T> values, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(values, name);

    /// <summary>Creates an array holding a copy of <paramref name="values"/> with a lock of its own or none (Python's <c>Array('i', [1, 2], lock=False)</c>, <c>RawArray('i', [1, 2])</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The initial elements.</param>
    /// <param name="lockMode"><see cref="SharedLockMode.Recursive"/> for a recursive lock of its own (Python's <c>lock=True</c>), <see cref="SharedLockMode.None"/> for none (<c>lock=False</c>).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lockMode"/> is not a defined value.</exception>
    public static SharedArray<T> Create<T>(ReadOnlySpan<T> values, SharedLockMode lockMode, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(values, name, SharedArrayLocking.Of(lockMode));

    /// <summary>Creates an array holding a copy of <paramref name="values"/> guarded by <paramref name="lockObject"/> (Python's <c>Array('i', [1, 2], lock=Lock())</c>): passed to a child, the array brings the lock along.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The initial elements.</param>
    /// <param name="lockObject">The lock; the array keeps it open as long as it lives. <see cref="SharedArray{T}.Acquire"/> takes it.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The lock is gone (closed in every process).</exception>
    public static SharedArray<T> Create<T>(ReadOnlySpan<T> values, SharedLock lockObject, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(values, name, SharedArrayLocking.Of(lockObject));

    /// <summary>Creates an array holding a copy of <paramref name="values"/> guarded by <paramref name="lockObject"/> (Python's <c>Array('i', [1, 2], lock=RLock())</c>): passed to a child, the array brings the lock along.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The initial elements.</param>
    /// <param name="lockObject">The recursive lock; the array keeps it open as long as it lives. <see cref="SharedArray{T}.GetLock"/> returns it (another object for the same lock).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The lock is gone (closed in every process).</exception>
    public static SharedArray<T> Create<T>(ReadOnlySpan<T> values, SharedRLock lockObject, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(values, name, SharedArrayLocking.Of(lockObject));

    /// <summary>Opens an array created by this or another process.</summary>
    /// <typeparam name="T">The element type it was created with.</typeparam>
    /// <param name="name">Its name.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FileNotFoundException">No such array.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to an array of another element type.</exception>
    public static SharedArray<T> Open<T>(string name)
        where T : unmanaged => SharedArray<T>.Open(name);
}
