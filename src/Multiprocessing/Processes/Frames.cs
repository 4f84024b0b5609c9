using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Multiprocessing.Interop;

namespace Multiprocessing.Processes;

/// <summary>Frames on the control socket: a 4-byte little-endian payload length, a kind byte, the payload.</summary>
internal static class Frames
{
    public const int HeaderSize = 5;

    /// <summary>Largest frame accepted: 2 GiB minus the header.</summary>
    public const int MaxPayload = int.MaxValue - HeaderSize;

    public static byte[] Build(FrameKind kind, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        frame[4] = (byte)kind;
        payload.CopyTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    /// <summary>Reads one frame from a blocking descriptor; null at end of stream.</summary>
    public static (FrameKind Kind, byte[] Payload)? Read(int fd)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (!ReadExactly(fd, header))
        {
            return null;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0)
        {
            throw new InvalidDataException($"Bad frame length {length}.");
        }

        var payload = new byte[length];
        return ReadExactly(fd, payload) ? ((FrameKind)header[4], payload) : null;
    }

    /// <summary>Tries to take one complete frame from the front of <paramref name="buffer"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out FrameKind kind, out int payloadLength)
    {
        kind = default;
        payloadLength = 0;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        payloadLength = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        kind = (FrameKind)buffer[4];
        return payloadLength >= 0 && buffer.Length - HeaderSize >= payloadLength;
    }

    /// <summary>Writes a whole frame to a blocking descriptor; false if the peer is gone.</summary>
    public static unsafe bool Write(int fd, FrameKind kind, ReadOnlySpan<byte> payload)
    {
        byte[] frame = Build(kind, payload);
        fixed (byte* start = frame)
        {
            return Transfer(fd, start, frame.Length, write: true);
        }
    }

    private static unsafe bool ReadExactly(int fd, Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            return Transfer(fd, start, buffer.Length, write: false);
        }
    }

    /// <summary>Reads or writes all <paramref name="length"/> bytes at <paramref name="start"/>, again after a signal; false at end of stream or on an error.</summary>
    private static unsafe bool Transfer(int fd, byte* start, int length, bool write)
    {
        int done = 0;
        while (done < length)
        {
            nint n = write ? Libc.Write(fd, start + done, length - done) : Libc.Read(fd, start + done, length - done);
            if (n < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
                continue;
            }

            if (n <= 0)
            {
                return false;
            }

            done += (int)n;
        }

        return true;
    }
}
