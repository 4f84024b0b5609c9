using System.Runtime.CompilerServices;
using Multiprocessing.Sharing;

namespace Multiprocessing;

/// <summary>
/// One unmanaged value in shared memory (Python's <c>multiprocessing.Value</c>), with the recursive lock Python's
/// <c>get_lock()</c> gives (or a lock given at creation, or none) and atomic operations for integer types.
/// </summary>
/// <typeparam name="T">The value's type (see <see cref="SharedArray{T}"/> for Python's type codes).</typeparam>
/// <remarks>
/// <c>v.Value += 1</c> from several processes races, as in Python: take <see cref="GetLock"/> (or
/// <see cref="Acquire"/>) around it, or use <see cref="Add"/>.
/// </remarks>
public sealed class SharedValue<T> : IDisposable, ISharedObject<SharedValue<T>>
    where T : unmanaged
{
    private readonly SharedArray<T> array;

    private SharedValue(SharedArray<T> array) => this.array = array;

    /// <summary>The name other processes open it by.</summary>
    public string Name => array.Name;

    /// <summary>The value, by reference.</summary>
    public ref T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => ref array[0];
    }

    /// <inheritdoc/>
    string ISharedObject<SharedValue<T>>.Descriptor => Name;

    /// <summary>Creates a shared value (Python's <c>Value('i', 0)</c>).</summary>
    /// <param name="initialValue">Its first value.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The value.</returns>
    /// <param name="locking">Its own lock, none, or a lock given by the caller.</param>
    /// <exception cref="FileNotFoundException">The lock given is gone (closed in every process).</exception>
    internal static SharedValue<T> Create(T initialValue, string? name, SharedArrayLocking locking) => new(SharedArray<T>.Create([initialValue], name, locking));

    /// <summary>Opens a shared value created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FileNotFoundException">No such value.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to another type.</exception>
    internal static SharedValue<T> Open(string name) => new(SharedArray<T>.Open(name));

    /// <inheritdoc/>
    static SharedValue<T> ISharedObject<SharedValue<T>>.Reopen(string descriptor) => Open(descriptor);

    /// <summary>The recursive lock that goes with this value (Python's <c>get_lock()</c>), the same lock in every process: its own, or the <see cref="SharedRLock"/> it was created with.</summary>
    /// <returns>The lock; it lives as long as the value (a lock given at creation is kept open by the value).</returns>
    /// <exception cref="InvalidOperationException">The value was made without a lock (<see cref="SharedLockMode.None"/>, Python's <c>RawValue</c>, which has no <c>get_lock()</c>), or with a <see cref="SharedLock"/> (take it with <see cref="Acquire"/>).</exception>
    /// <exception cref="ObjectDisposedException">The value was closed in this process.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SharedRLock GetLock() => array.GetLock();

    /// <summary>Acquires the lock that guards the value, whichever it is (Python's <c>v.acquire()</c>, <c>with v:</c>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The value was made without a lock (<see cref="SharedLockMode.None"/>).</exception>
    /// <exception cref="ObjectDisposedException">The value was closed in this process.</exception>
    public LockHandle Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => array.Acquire(timeout, cancellationToken);

    /// <summary>Acquires the lock that guards the value, waiting asynchronously (see <see cref="Acquire"/>).</summary>
    /// <param name="timeout">How long to wait; null for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    /// <exception cref="TimeoutException">The lock was not free within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The value was made without a lock (<see cref="SharedLockMode.None"/>).</exception>
    /// <exception cref="ObjectDisposedException">The value was closed in this process.</exception>
    public ValueTask<LockHandle> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => array.AcquireAsync(timeout, cancellationToken);

    /// <summary>Atomically adds <paramref name="value"/> (int, uint, long, ulong).</summary>
    /// <param name="value">What to add.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException">The type has no atomic add.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Add(T value) => array.Add(0, value);

    /// <summary>Atomically replaces the value, returning the old one.</summary>
    /// <param name="value">The new value.</param>
    /// <returns>The old value.</returns>
    /// <exception cref="NotSupportedException">The type has no atomic exchange.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Exchange(T value) => array.Exchange(0, value);

    /// <summary>Atomically replaces the value if it equals <paramref name="comparand"/>.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value it must have.</param>
    /// <returns>The value it had.</returns>
    /// <exception cref="NotSupportedException">The type has no atomic compare-exchange.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T CompareExchange(T value, T comparand) => array.CompareExchange(0, value, comparand);

    /// <summary>Closes the value in this process; it is removed once no process has it open.</summary>
    /// <remarks>Every member but <see cref="Name"/> and <see cref="ToString"/> then throws <see cref="ObjectDisposedException"/>.</remarks>
    public void Dispose() => array.Dispose();

    /// <inheritdoc/>
    public override string ToString()
    {
        try
        {
            return $"SharedValue<{typeof(T).Name}>('{Name}', {Value})";
        }
        catch (ObjectDisposedException)
        {
            return $"SharedValue<{typeof(T).Name}>('{Name}', closed)";
        }
    }
}
