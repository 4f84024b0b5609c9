using System.Buffers;

namespace Multiprocessing.Messaging;

/// <summary>
/// An item's bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>, returned to it by <see cref="Dispose"/>
/// (see <see cref="SharedQueue.GetLease"/>).
/// </summary>
internal sealed class PooledBytes : IMemoryOwner<byte>
{
    private readonly int length;
    private byte[]? array;

    /// <summary>Rents an array of at least <paramref name="bytes"/>' length and copies them into it.</summary>
    public PooledBytes(ReadOnlySpan<byte> bytes)
    {
        length = bytes.Length;
        array = ArrayPool<byte>.Shared.Rent(length);
        bytes.CopyTo(array);
    }

    /// <summary>The item's bytes: exactly its length, in the rented array.</summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed: the array went back to the pool.</exception>
    public Memory<byte> Memory
    {
        get
        {
            byte[]? rented = Volatile.Read(ref array);
            ObjectDisposedException.ThrowIf(rented is null, this);
            return new Memory<byte>(rented, 0, length);
        }
    }

    /// <summary>Returns the array to the pool, once: any <see cref="Memory"/> taken before must not be used after this.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref array, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
