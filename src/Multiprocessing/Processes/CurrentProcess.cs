using Microsoft.Extensions.Logging;
using Multiprocessing.Interop;

namespace Multiprocessing;

/// <summary>
/// Facts about the process this code runs in, as Python's <c>multiprocessing.current_process()</c> gives them:
/// its name (<c>MainProcess</c> in a parent, <c>ChildProcess-N</c> in a child), its pid and its parent's pid,
/// and, in a child, the token that fires when the parent asks it to stop.
/// </summary>
public static class CurrentProcess
{
    private static readonly CancellationTokenSource Termination = new();
    private static int tokenObserved;

    /// <summary>This process's name: <c>MainProcess</c>, or the child's name given by its parent.</summary>
    public static string Name { get; private set; } = "MainProcess";

    /// <summary>This process's id (Python's <c>os.getpid()</c>).</summary>
    public static int Id => Environment.ProcessId;

    /// <summary>The parent process's id (Python's <c>os.getppid()</c>).</summary>
    public static int ParentId => OperatingSystem.IsLinux() ? Libc.GetParentPid() : 0;

    /// <summary>True in a process started by <see cref="ChildProcess"/> or a process pool.</summary>
    public static bool IsChild { get; private set; }

    /// <summary>True in a daemon child.</summary>
    public static bool IsDaemon { get; private set; }

    /// <summary>
    /// Fires in a child when its parent calls <see cref="ChildProcess.Terminate"/> (SIGTERM). A child that reads
    /// this token is trusted to stop by itself: its target may finish cleanly (exit code 0) or throw
    /// <see cref="OperationCanceledException"/> (exit code -15). A child that never reads it is ended by
    /// SIGTERM at once, as in Python. In the main process the token never fires.
    /// </summary>
    /// <remarks>
    /// A target may instead handle SIGTERM itself with <see cref="System.Runtime.InteropServices.PosixSignalRegistration.Create"/>:
    /// a handler that sets <see cref="System.Runtime.InteropServices.PosixSignalContext.Cancel"/> takes SIGTERM over,
    /// and then this token does not fire and the child is not ended; a handler that does not cancel runs first, then
    /// SIGTERM is handled as above.
    /// </remarks>
    public static CancellationToken TerminationToken
    {
        get
        {
            Volatile.Write(ref tokenObserved, 1);
            return Termination.Token;
        }
    }

    /// <summary>
    /// The logger factory for code running in this process. In a child (or a pool's worker) whose parent has a logger
    /// factory, records logged through it are sent to the parent and logged there, in a scope with this process's pid
    /// and name (<c>multiprocessing.process.pid</c>, <c>multiprocessing.process.name</c>), before the child's result:
    /// what Python does with a <c>QueueHandler</c> set up by hand. Elsewhere it is <see cref="MultiprocessingLogging.LoggerFactory"/>.
    /// </summary>
    /// <remarks>
    /// A record is sent when it is logged, on the logging thread; if the parent is gone it is dropped at once (and the
    /// child ends). The parent's factory filters levels, so every level crosses. Scopes opened in the child are not sent.
    /// </remarks>
    public static ILoggerFactory LoggerFactory => MultiprocessingLogging.LoggerFactory;

    internal static bool TerminationObserved => Volatile.Read(ref tokenObserved) != 0;

    internal static bool TerminationRequested => Termination.IsCancellationRequested;

    internal static void BecomeChild(string name, bool daemon)
    {
        Name = name;
        IsChild = true;
        IsDaemon = daemon;
    }

    internal static void RequestTermination() => Termination.Cancel();
}
