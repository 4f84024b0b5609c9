namespace Multiprocessing.Codec;

/// <summary>
/// Raised inside the codec when a value cannot be encoded; carries the field path so that the caller's
/// <see cref="ArgumentException"/> can name it. Never escapes the library.
/// </summary>
internal sealed class CodecException : Exception
{
    public CodecException(string reason)
        : base(reason)
    {
        Reason = reason;
    }

    public CodecException(string reason, Exception inner)
        : base(reason, inner)
    {
        Reason = reason;
    }

    public CodecException()
        : this("the value cannot be encoded")
    {
    }

    /// <summary>Why the value cannot be encoded.</summary>
    public string Reason { get; }

    /// <summary>Field names from the outermost value down to the one that failed.</summary>
    public List<string> Path { get; } = [];
}
