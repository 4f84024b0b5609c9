namespace Multiprocessing;

/// <summary>
/// A message was longer than the buffer given to <see cref="Connection.ReceiveBytesInto"/> (Python's
/// <c>BufferTooShort</c>). The message has been consumed; it is in <see cref="Received"/>.
/// </summary>
public sealed class BufferTooShortException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BufferTooShortException()
        : this([], 0)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public BufferTooShortException(string message)
        : base(message)
    {
        Received = [];
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BufferTooShortException(string message, Exception innerException)
        : base(message, innerException)
    {
        Received = [];
    }

    internal BufferTooShortException(byte[] data, int bufferLength)
        : base($"The message has {data.Length} bytes but the buffer only {bufferLength}; the message is in the exception's Received property.")
    {
        Received = data;
    }

    /// <summary>The whole message that did not fit.</summary>
    public byte[] Received { get; }
}
