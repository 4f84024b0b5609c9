namespace Multiprocessing;

/// <summary>
/// One unmanaged value in shared memory (Python's <c>multiprocessing.Value</c>), with the recursive lock Python's
/// <c>get_lock()</c> gives and atomic operations for integer types.
/// </summary>
/// <typeparam name="T">The value's type (see <see cref="SharedArray{T}"/> for Python's type codes).</typeparam>
/// <remarks>
/// <c>v.Value += 1</c> from several processes races, as in Python: take <see cref="GetLock"/> around it, or use
/// <see cref="Add"/>.
/// </remarks>
public sealed class SharedValue<T> : IDisposable, Sharing.ISharedObject<SharedValue<T>>
    where T : unmanaged
{
    private readonly SharedArray<T> array;

    private SharedValue(SharedArray<T> array) => this.array = array;

    /// <summary>The name other processes open it by.</summary>
    public string Name => array.Name;

    /// <summary>The value, by reference.</summary>
    public ref T Value => ref array[0];

    /// <inheritdoc/>
    string Sharing.ISharedObject<SharedValue<T>>.Descriptor => Name;

    /// <summary>Creates a shared value (Python's <c>Value('i', 0)</c>).</summary>
    /// <param name="initialValue">Its first value.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The value.</returns>
    internal static SharedValue<T> Create(T initialValue, string? name) => new(SharedArray<T>.Create([initialValue], name));

    /// <summary>Opens a shared value created by this or another process.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FileNotFoundException">No such value.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to another type.</exception>
    internal static SharedValue<T> Open(string name) => new(SharedArray<T>.Open(name));

    /// <inheritdoc/>
    static SharedValue<T> Sharing.ISharedObject<SharedValue<T>>.Reopen(string descriptor) => Open(descriptor);

    /// <summary>The recursive lock that goes with this value (Python's <c>get_lock()</c>).</summary>
    /// <returns>The lock; it lives as long as the value.</returns>
    public SharedRLock GetLock() => array.GetLock();

    /// <summary>Atomically adds <paramref name="value"/> (int, uint, long, ulong).</summary>
    /// <param name="value">What to add.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException">The type has no atomic add.</exception>
    public T Add(T value) => array.Add(0, value);

    /// <summary>Atomically replaces the value, returning the old one.</summary>
    /// <param name="value">The new value.</param>
    /// <returns>The old value.</returns>
    /// <exception cref="NotSupportedException">The type has no atomic exchange.</exception>
    public T Exchange(T value) => array.Exchange(0, value);

    /// <summary>Atomically replaces the value if it equals <paramref name="comparand"/>.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value it must have.</param>
    /// <returns>The value it had.</returns>
    /// <exception cref="NotSupportedException">The type has no atomic compare-exchange.</exception>
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
