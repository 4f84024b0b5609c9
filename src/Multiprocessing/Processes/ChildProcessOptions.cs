using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Multiprocessing;

/// <summary>How to start a <see cref="ChildProcess"/>: its name, whether it is a daemon, extra environment variables.</summary>
public sealed class ChildProcessOptions
{
    /// <summary>The child's name, seen inside it as <see cref="CurrentProcess.Name"/>. Default: <c>ChildProcess-N</c>, numbered per parent.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Whether the child is a daemon: killed when the parent exits, instead of waited for. Default false, as in
    /// Python. Either way a child never outlives its parent: if the parent dies, the child kills itself.
    /// </summary>
    public bool Daemon { get; init; }

    /// <summary>Environment variables to set (or, with a null value, remove) in the child, on top of the parent's.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>
    /// Makes the meter <c>Multiprocessing</c> that the start is measured in (<c>multiprocessing.process.start.duration</c>,
    /// see docs/telemetry.md): give the host's so that its listeners see it. Default: null, the meter the whole process shares.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Where this child's records go: what the library logs about it, and what the child's own code logs through
    /// <see cref="CurrentProcess.LoggerFactory"/>, sent to this process and logged here in a scope with the child's
    /// pid and name. Default: <see cref="MultiprocessingLogging.LoggerFactory"/>; with neither, the child sends nothing.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
