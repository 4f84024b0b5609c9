using System.Buffers;

namespace Multiprocessing.Messaging;

/// <summary>A reusable buffer per thread to encode a message into before it is copied into shared memory.</summary>
internal static class EncodeBuffer
{
    private const int KeepAtMost = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    /// <summary>This thread's buffer, emptied; a buffer grown past 1 MiB by a large message is not kept.</summary>
    public static ArrayBufferWriter<byte> ForThisThread()
    {
        ArrayBufferWriter<byte>? b = buffer;
        if (b is null || b.Capacity > KeepAtMost)
        {
            buffer = b = new ArrayBufferWriter<byte>(256);
        }

        b.ResetWrittenCount();
        return b;
    }
}
