using System.Buffers;
using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>A growable byte buffer for one request or reply, with length prefixes patched in after the fact.</summary>
internal sealed class WireBuffer : IBufferWriter<byte>
{
    private byte[] buffer;
    private int written;

    public WireBuffer(int capacity = 256) => buffer = new byte[capacity];

    public int Length => written;

    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, written);

    public ReadOnlyMemory<byte> WrittenMemory => buffer.AsMemory(0, written);

    public void Reset() => written = 0;

    public void Advance(int count) => written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsSpan(written);
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        buffer[written++] = value;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(written), value);
        written += 4;
    }

    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(written), value);
        written += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(written));
        written += bytes.Length;
    }

    /// <summary>Writes a flag byte: 1 for true, 0 for false (read back by <see cref="WireReader.ReadBool"/>).</summary>
    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Writes whether a value was found, then the value's bytes if it was (the reply of a lookup).</summary>
    public void WriteFound(bool found, ReadOnlySpan<byte> value)
    {
        WriteBool(found);
        if (found)
        {
            WriteBytes(value);
        }
    }

    /// <summary>Writes a length (int32) then the bytes.</summary>
    public void WriteFramed(ReadOnlySpan<byte> bytes)
    {
        WriteInt32(bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Reserves room for a length prefix; pass the result to <see cref="EndFrame"/> once the framed bytes are written.</summary>
    public int BeginFrame()
    {
        WriteInt32(0);
        return written;
    }

    /// <summary>Writes the length of what was written since <see cref="BeginFrame"/>.</summary>
    public void EndFrame(int start) =>
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(start - 4), written - start);

    private void Ensure(int sizeHint)
    {
        int need = written + Math.Max(sizeHint, 1);
        if (need > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(need, buffer.Length * 2));
        }
    }
}
