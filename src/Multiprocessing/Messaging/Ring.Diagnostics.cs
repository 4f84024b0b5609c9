namespace Multiprocessing.Messaging;

internal sealed unsafe partial class Ring
{
    /// <summary>The most overflow files <see cref="OverflowBytes"/> looks at, so that a reading of a queue that overflowed far stays cheap.</summary>
    private const int MaxOverflowFilesMeasured = 4096;

    /// <summary>Items waiting in overflow files (written, not yet read); 0 for a ring without overflow.</summary>
    public long OverflowItems => overflow ? Math.Max(0, Volatile.Read(ref h->OverflowTail) - Volatile.Read(ref h->OverflowHead)) : 0;

    /// <summary>Bytes of the overflow files waiting to be read (of the first 4096 of them); 0 for a ring without overflow.</summary>
    public long OverflowBytes()
    {
        if (!overflow)
        {
            return 0;
        }

        long head = Volatile.Read(ref h->OverflowHead);
        long tail = Math.Min(Volatile.Read(ref h->OverflowTail), head + MaxOverflowFilesMeasured);
        long bytes = 0;
        for (long k = head; k < tail; k++)
        {
            var file = new FileInfo(overflowPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture));
            bytes += file.Exists ? file.Length : 0; // Read and removed meanwhile: nothing left of it.
        }

        return bytes;
    }
}
