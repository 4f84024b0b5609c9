using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Multiprocessing.Interop;

namespace Multiprocessing.Messaging;

/// <summary>
/// The files of a ring's overflow: file <c>k</c> holds the <c>k</c>-th message that overflowed, whole (its
/// length, 8 bytes little-endian, then its bytes), next to the ring's segment in /dev/shm. The name carries the
/// segment's random id, so that a segment that reuses the name of a removed one never sees its files.
/// </summary>
internal static class OverflowFiles
{
    private const int LengthSize = sizeof(long);

    /// <summary>The path of overflow file <c>k</c> is this prefix followed by <c>k</c>.</summary>
    public static string PrefixFor(string segmentPath, long segmentId) =>
        $"{segmentPath}.overflow-{segmentId:x}-";

    /// <summary>Writes an overflow file (replacing one left by a producer that died before publishing it).</summary>
    /// <exception cref="IOException">The file could not be created or written (e.g. /dev/shm is full); nothing of it is left.</exception>
    public static void Write(string path, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        int fd = Libc.Open(path, Libc.O_CREAT | Libc.O_TRUNC | Libc.O_WRONLY | Libc.O_CLOEXEC, 0b110_000_000);
        if (fd < 0)
        {
            throw Libc.Error($"creating the queue's overflow file '{path}'");
        }

        try
        {
            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            Span<byte> length = stackalloc byte[LengthSize];
            BinaryPrimitives.WriteInt64LittleEndian(length, (long)head.Length + body.Length);
            RandomAccess.Write(handle, length, 0);
            RandomAccess.Write(handle, head, LengthSize);
            RandomAccess.Write(handle, body, LengthSize + head.Length);
        }
        catch (IOException e)
        {
            Libc.Unlink(path);
            throw new IOException($"Writing an item of {head.Length + body.Length} bytes to the queue's overflow file '{path}' failed (is /dev/shm full?); nothing was queued. {e.Message}", e);
        }
        catch
        {
            Libc.Unlink(path);
            throw;
        }
    }

    /// <summary>Reads an overflow file; null if it does not exist.</summary>
    /// <exception cref="IOException">It could not be read.</exception>
    /// <exception cref="InvalidDataException">It is shorter than it says.</exception>
    public static byte[]? Read(string path)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError() == Libc.ENOENT
                ? null
                : throw Libc.Error($"opening the queue's overflow file '{path}'");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Span<byte> lengthBytes = stackalloc byte[LengthSize];
        if (RandomAccess.Read(handle, lengthBytes, 0) != LengthSize)
        {
            throw new InvalidDataException($"The queue's overflow file '{path}' is truncated.");
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (length is < 0 or > int.MaxValue)
        {
            throw new InvalidDataException($"The queue's overflow file '{path}' is corrupt (length {length}).");
        }

        byte[] bytes = GC.AllocateUninitializedArray<byte>((int)length);
        int got = 0;
        while (got < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(got), LengthSize + got);
            if (n == 0)
            {
                throw new InvalidDataException($"The queue's overflow file '{path}' is truncated ({got} of {length} bytes).");
            }

            got += n;
        }

        return bytes;
    }

    /// <summary>Removes an overflow file, if it is there.</summary>
    public static void Remove(string path) => Libc.Unlink(path);

    /// <summary>
    /// Removes every overflow file of the segment at <paramref name="segmentPath"/> with id <paramref name="segmentId"/>:
    /// unread ones, and orphans of producers that died before publishing them. Only files named exactly so (the
    /// prefix, then the decimal number of the file) that are regular files of this user are removed: /dev/shm is
    /// shared with every user, and the resource tracker runs this too.
    /// </summary>
    public static void RemoveAll(string segmentPath, long segmentId)
    {
        string prefix = PrefixFor(segmentPath, segmentId);
        string? directory = Path.GetDirectoryName(prefix);
        if (directory is null)
        {
            return;
        }

        try
        {
            foreach (string file in Directory.EnumerateFiles(directory, Path.GetFileName(prefix) + "*"))
            {
                if (file.StartsWith(prefix, StringComparison.Ordinal)
                    && file.Length > prefix.Length
                    && file.AsSpan(prefix.Length).ContainsAnyExceptInRange('0', '9') is false
                    && Libc.LinkStatusOf(file) is { IsRegularFile: true } status
                    && status.Uid == Libc.GetEffectiveUid())
                {
                    Libc.Unlink(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the directory went away or cannot be listed.
        }
    }
}
