using Microsoft.Extensions.Logging;

namespace Multiprocessing.Processes;

/// <summary>
/// A logger of <see cref="ParentLoggerFactory"/>: every record is encoded and sent to the parent at once, on the
/// caller's thread, so that records logged before the target returns reach the parent before its result does. The
/// parent's logger factory filters levels; scopes opened in the child are not sent.
/// </summary>
internal sealed class ParentLogger(string category, Action<byte[]> send) : ILogger
{
    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        send(LogRecordWire.Encode(category, logLevel, eventId, state, formatter(state, exception), exception));
    }
}
