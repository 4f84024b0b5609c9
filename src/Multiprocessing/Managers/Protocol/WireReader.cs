using System.Buffers.Binary;

namespace Multiprocessing.Managers;

/// <summary>Reads a request or a reply written with <see cref="WireBuffer"/>.</summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> bytes;
    private int position;

    public WireReader(ReadOnlySpan<byte> bytes) => this.bytes = bytes;

    public readonly ReadOnlySpan<byte> Rest => bytes[position..];

    public byte ReadByte() => bytes[position++];

    public bool ReadBool() => ReadByte() != 0;

    public int ReadInt32()
    {
        int value = BinaryPrimitives.ReadInt32LittleEndian(bytes[position..]);
        position += 4;
        return value;
    }

    public long ReadInt64()
    {
        long value = BinaryPrimitives.ReadInt64LittleEndian(bytes[position..]);
        position += 8;
        return value;
    }

    /// <summary>Reads a length (int32) then that many bytes.</summary>
    /// <exception cref="InvalidDataException">The length runs past the end.</exception>
    public ReadOnlySpan<byte> ReadFramed()
    {
        int length = ReadInt32();
        if (length < 0 || length > bytes.Length - position)
        {
            throw new InvalidDataException("A manager message is truncated.");
        }

        ReadOnlySpan<byte> framed = bytes.Slice(position, length);
        position += length;
        return framed;
    }
}
