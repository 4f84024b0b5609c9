namespace Multiprocessing.Sharing;

/// <summary>A stable number for an element type, stored in an array's header so that opening it as another type fails.</summary>
internal static class ElementTag
{
    public static long Of<T>()
        where T : unmanaged
    {
        // FNV-1a of the type's full name, plus its size: stable across processes and builds.
        ulong hash = 14695981039346656037;
        foreach (char c in typeof(T).FullName ?? typeof(T).Name)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return (long)((hash << 16) | (uint)System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }
}
