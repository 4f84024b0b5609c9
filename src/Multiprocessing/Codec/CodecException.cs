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

    /// <summary>
    /// The codec error that <paramref name="error"/> is or wraps (or a new one with the innermost cause's message),
    /// with <paramref name="field"/> added at the front of its path: how a failure inside a field is reported.
    /// </summary>
    public static CodecException AtField(Exception error, System.Reflection.FieldInfo field)
    {
        CodecException? codec = null;
        for (Exception? e = error; e is not null && codec is null; e = e.InnerException)
        {
            codec = e as CodecException;
        }

        if (codec is null)
        {
            Exception inner = error;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            codec = new CodecException(inner.Message, error);
        }

        codec.Path.Insert(0, $"{TypeNames.Field(field)} ({TypeNames.Display(field.FieldType)})");
        return codec;
    }
}
