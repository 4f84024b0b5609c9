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
        where T : unmanaged => SharedValue<T>.Create(initialValue, name);

    /// <summary>Opens a shared value created by this or another process.</summary>
    /// <typeparam name="T">The type it was created with.</typeparam>
    /// <param name="name">Its name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FileNotFoundException">No such value.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to another type.</exception>
    public static SharedValue<T> Open<T>(string name)
        where T : unmanaged => SharedValue<T>.Open(name);
}
