using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>Creates and opens <see cref="SharedValue{T}"/>s (Python's <c>multiprocessing.Value</c>).</summary>
public static class SharedValue
{
    /// <summary>Creates a shared value (Python's <c>Value('i', 0)</c>).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="initialValue">Its first value.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The value.</returns>
    public static SharedValue<T> Create<T>(T initialValue = default, string? name = null)
        where T : unmanaged => SharedValue<T>.Create(initialValue, name, SharedArrayLocking.Own);

    /// <summary>Creates a shared value with a lock of its own or none (Python's <c>Value('i', 0, lock=False)</c>, <c>RawValue('i', 0)</c>).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="initialValue">Its first value.</param>
    /// <param name="lockMode"><see cref="SharedLockMode.Recursive"/> for a recursive lock of its own (Python's <c>lock=True</c>), <see cref="SharedLockMode.None"/> for none (<c>lock=False</c>).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lockMode"/> is not a defined value.</exception>
    public static SharedValue<T> Create<T>(T initialValue, SharedLockMode lockMode, string? name = null)
        where T : unmanaged => SharedValue<T>.Create(initialValue, name, SharedArrayLocking.Of(lockMode));

    /// <summary>Creates a shared value guarded by <paramref name="lockObject"/> (Python's <c>Value('i', 0, lock=Lock())</c>): passed to a child, the value brings the lock along.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="initialValue">Its first value.</param>
    /// <param name="lockObject">The lock; the value keeps it open as long as it lives. <see cref="SharedValue{T}.Acquire"/> takes it.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The lock is gone (closed in every process).</exception>
    public static SharedValue<T> Create<T>(T initialValue, SharedLock lockObject, string? name = null)
        where T : unmanaged => SharedValue<T>.Create(initialValue, name, SharedArrayLocking.Of(lockObject));

    /// <summary>Creates a shared value guarded by <paramref name="lockObject"/> (Python's <c>Value('i', 0, lock=RLock())</c>): passed to a child, the value brings the lock along.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="initialValue">Its first value.</param>
    /// <param name="lockObject">The recursive lock; the value keeps it open as long as it lives. <see cref="SharedValue{T}.GetLock"/> returns it (another object for the same lock).</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lockObject"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The lock is gone (closed in every process).</exception>
    public static SharedValue<T> Create<T>(T initialValue, SharedRLock lockObject, string? name = null)
        where T : unmanaged => SharedValue<T>.Create(initialValue, name, SharedArrayLocking.Of(lockObject));

    /// <summary>Opens a shared value created by this or another process.</summary>
    /// <typeparam name="T">The type it was created with.</typeparam>
    /// <param name="name">Its name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FileNotFoundException">No such value.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to another type.</exception>
    public static SharedValue<T> Open<T>(string name)
        where T : unmanaged => SharedValue<T>.Open(name);
}
