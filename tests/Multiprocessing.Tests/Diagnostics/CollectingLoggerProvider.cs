using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>One record a <see cref="CollectingLoggerProvider"/> saw, with the scopes it was logged in.</summary>
internal sealed record CollectedRecord(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> Properties,
    IReadOnlyList<object?> Scopes)
{
    public object? Property(string key) => Properties.FirstOrDefault(p => p.Key == key).Value;

    /// <summary>The value of <paramref name="key"/> in the first scope that has it.</summary>
    public object? ScopeValue(string key) => Scopes
        .OfType<IEnumerable<KeyValuePair<string, object?>>>()
        .SelectMany(s => s)
        .FirstOrDefault(p => p.Key == key).Value;
}

/// <summary>A logger provider that keeps every record, and lets a test wait (without sleeping) for one to arrive.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CollectedRecord> records = new();
    private readonly SemaphoreSlim arrived = new(0);
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CollectedRecord> Records => [.. records];

    /// <summary>A factory that logs every level to this provider only.</summary>
    public ILoggerFactory CreateFactory() =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    /// <summary>Waits until a record matching <paramref name="match"/> has arrived; fails the test after 30 s.</summary>
    public CollectedRecord WaitFor(Func<CollectedRecord, bool> match, string what)
    {
        DateTime deadline = DateTime.UtcNow + Within.Deadline;
        while (true)
        {
            if (records.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !arrived.Wait(left))
            {
                Assert.Fail($"No record {what} within {Within.Deadline.TotalSeconds} s; seen: {string.Join(" | ", records.Select(r => $"{r.Category}/{r.EventId}: {r.Message}"))}");
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose() => arrived.Dispose();

    private sealed class Collector(CollectingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var inScope = new List<object?>();
            owner.scopes.ForEachScope(static (s, list) => list.Add(s), inScope);
            IReadOnlyList<KeyValuePair<string, object?>> properties = state is IEnumerable<KeyValuePair<string, object?>> kv ? [.. kv] : [];
            owner.records.Enqueue(new CollectedRecord(category, logLevel, eventId, formatter(state, exception), exception, properties, inScope));
            owner.arrived.Release();
        }
    }
}
