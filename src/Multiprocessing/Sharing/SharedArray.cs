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

    /// <summary>Creates an array holding a copy of <paramref name="values"/> (Python's <c>Array('i', [1, 2, 3, 4])</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The initial elements.</param>
    /// <param name="name">Its name, or null for a fresh unique one.</param>
    /// <returns>The array.</returns>
    public static SharedArray<T> Create<T>(ReadOnlySpan<T> values, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(values, name);

    /// <summary>Opens an array created by this or another process.</summary>
    /// <typeparam name="T">The element type it was created with.</typeparam>
    /// <param name="name">Its name.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FileNotFoundException">No such array.</exception>
    /// <exception cref="InvalidDataException">The name belongs to another kind of shared object, or to an array of another element type.</exception>
    public static SharedArray<T> Open<T>(string name)
        where T : unmanaged => SharedArray<T>.Open(name);
}
