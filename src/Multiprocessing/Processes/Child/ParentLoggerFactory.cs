using Microsoft.Extensions.Logging;

namespace Multiprocessing.Processes;

/// <summary>
/// In a child whose parent has a logger factory: loggers whose records are sent to the parent over the control
/// socket, and logged there through the parent's factory (<see cref="ChildProcess"/> relays them). Providers added
/// here are ignored: the parent's decide where records go.
/// </summary>
/// <param name="send">Sends one encoded record (<see cref="LogRecordWire"/>); returns at once if the parent is gone.</param>
internal sealed class ParentLoggerFactory(Action<byte[]> send) : ILoggerFactory
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ParentLogger> loggers = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        return loggers.GetOrAdd(categoryName, static (name, s) => new ParentLogger(name, s), send);
    }

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
