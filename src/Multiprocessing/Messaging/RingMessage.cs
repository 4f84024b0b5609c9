namespace Multiprocessing.Messaging;

/// <summary>A message read from a <see cref="Ring"/>: in place in shared memory (until <see cref="Ring.EndRead"/>), or reassembled in an array.</summary>
internal readonly unsafe struct RingMessage
{
    private readonly byte* at;
    private readonly int length;

    public RingMessage(byte* at, int length, byte[]? assembled)
    {
        this.at = at;
        this.length = length;
        Assembled = assembled;
    }

    /// <summary>The reassembled message, or null if it is in place.</summary>
    public byte[]? Assembled { get; }

    /// <summary>Whether the message points into the ring (and the read lock is held until EndRead).</summary>
    public bool InPlace => at != null;

    /// <summary>The message's bytes.</summary>
    public ReadOnlySpan<byte> Span => Assembled ?? new ReadOnlySpan<byte>(at, length);

    /// <summary>The message's length.</summary>
    public int Length => Assembled?.Length ?? length;

    /// <summary>The address of an in-place message.</summary>
    public byte* Pointer => at;
}
