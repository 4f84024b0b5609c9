namespace Multiprocessing;

/// <summary>What crosses the wire for an exception: type name, message, stack trace, inner exception. Encoded field by field.</summary>
internal sealed class RemoteExceptionInfo
{
    public string TypeName { get; init; } = string.Empty;

    public string Message { get; init; } = string.Empty;

    public string? StackTrace { get; init; }

    public RemoteExceptionInfo? Inner { get; init; }

    public static RemoteExceptionInfo From(Exception e, int depth = 0) => new()
    {
        TypeName = e.GetType().FullName ?? e.GetType().Name,
        Message = e.Message,
        StackTrace = e.StackTrace,
        Inner = e.InnerException is { } inner && depth < 8 ? From(inner, depth + 1) : null,
    };
}
