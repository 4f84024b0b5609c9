using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Multiprocessing;

/// <summary>
/// The process-wide logger factory of this library: what it logs (a worker died, a handshake failed...) goes there
/// unless the object's options name one of their own, and in the main process it is also
/// <see cref="CurrentProcess.LoggerFactory"/>. Off (<see cref="NullLoggerFactory"/>) until set.
/// </summary>
/// <remarks>
/// <para>
/// Two levels, as in Npgsql (a global <c>NpgsqlLoggingConfiguration</c>, a per-data-source <c>UseLoggerFactory</c>):
/// a <c>LoggerFactory</c> in <see cref="PoolOptions"/>, <see cref="ChildProcessOptions"/>, <see cref="ManagerOptions"/>
/// and <see cref="ConnectionOptions"/> serves that object (a generic host passes its own through
/// Multiprocessing.Hosting); this one serves the objects made without one, and what belongs to the whole process.
/// Set it once at start-up: an object takes its logger when it is made.
/// </para>
/// <para>
/// Each type logs under its own category (<c>Multiprocessing.ProcessPool</c>, <c>Multiprocessing.ChildProcess</c>,
/// <c>Multiprocessing.Listener</c>), with the event ids of <see cref="MultiprocessingLogEvents"/>. While no logger is
/// enabled for a level, logging costs a test of <see cref="ILogger.IsEnabled"/> and allocates nothing.
/// </para>
/// <para>
/// When a child process or a pool's worker is started with a logger factory (its options' or this one), the
/// records its own code writes through <see cref="CurrentProcess.LoggerFactory"/> are sent to this process and
/// written there, under their own category, in a scope that names the child (Python's <c>QueueHandler</c> set up
/// for you). With no factory, the child sends nothing.
/// </para>
/// </remarks>
public static class MultiprocessingLogging
{
    private static ILoggerFactory factory = NullLoggerFactory.Instance;

    /// <summary>The logger factory used when an object's options give none; null sets <see cref="NullLoggerFactory"/> (no logging).</summary>
    public static ILoggerFactory LoggerFactory
    {
        get => Volatile.Read(ref factory);
        set => Volatile.Write(ref factory, value ?? NullLoggerFactory.Instance);
    }

    /// <summary>The factory to use: <paramref name="own"/> if given, else the process-wide one.</summary>
    internal static ILoggerFactory Resolve(ILoggerFactory? own) => own ?? LoggerFactory;

    /// <summary>Whether <paramref name="factory"/> may log anything at all (so that a child should send its records).</summary>
    internal static bool IsReal(ILoggerFactory factory) => factory is not NullLoggerFactory;
}
