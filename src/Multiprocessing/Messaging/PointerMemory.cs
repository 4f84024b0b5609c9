using System.Buffers;

namespace Multiprocessing.Messaging;

/// <summary>
/// A <see cref="Memory{T}"/> over a message in shared memory, so that the codec decodes it in place. One per
/// reader, re-pointed for each message; valid only until the message is released.
/// </summary>
internal sealed unsafe class PointerMemory : MemoryManager<byte>
{
    private byte* pointer;
    private int length;

    /// <summary>Points at <paramref name="length"/> bytes at <paramref name="at"/> and returns them as memory.</summary>
    public Memory<byte> Point(byte* at, int length)
    {
        pointer = at;
        this.length = length;
        return Memory;
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan() => new(pointer, length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
    }
}
