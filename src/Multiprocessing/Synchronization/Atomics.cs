using System.Runtime.CompilerServices;

namespace Multiprocessing.Synchronization;

/// <summary>Atomic operations on shared elements of a generic unmanaged type, for the types the hardware supports.</summary>
internal static class Atomics
{
    public static T Add<T>(ref T location, T value)
        where T : unmanaged
    {
        if (typeof(T) == typeof(int))
        {
            return Unsafe.BitCast<int, T>(Interlocked.Add(ref Unsafe.As<T, int>(ref location), Unsafe.BitCast<T, int>(value)));
        }

        if (typeof(T) == typeof(uint))
        {
            return Unsafe.BitCast<uint, T>(Interlocked.Add(ref Unsafe.As<T, uint>(ref location), Unsafe.BitCast<T, uint>(value)));
        }

        if (typeof(T) == typeof(long))
        {
            return Unsafe.BitCast<long, T>(Interlocked.Add(ref Unsafe.As<T, long>(ref location), Unsafe.BitCast<T, long>(value)));
        }

        if (typeof(T) == typeof(ulong))
        {
            return Unsafe.BitCast<ulong, T>(Interlocked.Add(ref Unsafe.As<T, ulong>(ref location), Unsafe.BitCast<T, ulong>(value)));
        }

        throw new NotSupportedException($"There is no atomic add for {typeof(T)}; use int, uint, long or ulong, or take the lock.");
    }

    public static T Exchange<T>(ref T location, T value)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4 && IsAtomicType<T>())
        {
            return Unsafe.BitCast<int, T>(Interlocked.Exchange(ref Unsafe.As<T, int>(ref location), Unsafe.BitCast<T, int>(value)));
        }

        if (Unsafe.SizeOf<T>() == 8 && IsAtomicType<T>())
        {
            return Unsafe.BitCast<long, T>(Interlocked.Exchange(ref Unsafe.As<T, long>(ref location), Unsafe.BitCast<T, long>(value)));
        }

        throw new NotSupportedException($"There is no atomic exchange for {typeof(T)}; use int, uint, long, ulong, float or double, or take the lock.");
    }

    public static T CompareExchange<T>(ref T location, T value, T comparand)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4 && IsAtomicType<T>())
        {
            return Unsafe.BitCast<int, T>(Interlocked.CompareExchange(ref Unsafe.As<T, int>(ref location), Unsafe.BitCast<T, int>(value), Unsafe.BitCast<T, int>(comparand)));
        }

        if (Unsafe.SizeOf<T>() == 8 && IsAtomicType<T>())
        {
            return Unsafe.BitCast<long, T>(Interlocked.CompareExchange(ref Unsafe.As<T, long>(ref location), Unsafe.BitCast<T, long>(value), Unsafe.BitCast<T, long>(comparand)));
        }

        throw new NotSupportedException($"There is no atomic compare-exchange for {typeof(T)}; use int, uint, long, ulong, float or double, or take the lock.");
    }

    private static bool IsAtomicType<T>() =>
        typeof(T) == typeof(int) || typeof(T) == typeof(uint) || typeof(T) == typeof(long) || typeof(T) == typeof(ulong)
        || typeof(T) == typeof(float) || typeof(T) == typeof(double);
}
